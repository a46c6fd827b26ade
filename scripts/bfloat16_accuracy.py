"""What bfloat16 inference costs in PSNR: each shipped deconvolution model on the benchmark's
test images, in float32 and in bfloat16, through the verbs' own path (`apply_model`).

Usage: python scripts/bfloat16_accuracy.py [--images 8]

Why: `precision="auto"` runs the networks in bfloat16 on CPUs that compute it natively; this is
the measurement behind that choice (docs/benchmarks.md). It runs on any CPU (bfloat16 is
emulated where it is not native: slower, same numbers).
"""
from __future__ import annotations

import argparse

import numpy as np
import torch

from napari_inverse.benchmarks.datasets import deconvolution_sets
from napari_inverse.methods.deconvolve import LEARNED_METHODS
from napari_inverse.metrics import psnr
from napari_inverse.zoo import load_model_for_inference
from napari_inverse.zoo.inference import apply_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=8, help="test images per class")
    args = parser.parse_args()
    sets = deconvolution_sets(args.images)
    pairs = {s.structure: s.pairs() for s in sets}
    print("| model | " + " | ".join(pairs) + " |")
    print("|---|" + "---:|" * len(pairs))
    for model_name in LEARNED_METHODS.values():
        model = load_model_for_inference(model_name, "cpu")
        changes = []
        for structure, images in pairs.items():
            scores = {dtype: np.mean([psnr(p.target, apply_model(model, p.input, dtype=dtype)[0])
                                      for p in images])
                      for dtype in (torch.float32, torch.bfloat16)}
            changes.append(scores[torch.bfloat16] - scores[torch.float32])
        print(f"| {model_name} | " + " | ".join(f"{c:+.3f}" for c in changes) + " |", flush=True)


if __name__ == "__main__":
    main()
