"""Richardson–Lucy stopped by itself against its count chosen on validation, per benchmark set.

Usage: python scripts/compare_rl_stopping.py [--images 4]

Why: the quality bench chooses RL's iterations on each set's validation images, with the truth
known; a user has neither. This scores ``iterations="auto"`` (thinning cross-validation per image,
``classical.rl_stopping``) beside that count on the first test images of every set, and prints,
per scale of the half's count to the full image's, the validation images' mean PSNR.
"""
from __future__ import annotations

import argparse
import math

import numpy as np

from napari_inverse.benchmarks.datasets import deconvolution_sets, oversampled_sets
from napari_inverse.benchmarks.quality import CLASSICAL_METHODS
from napari_inverse.classical import rl_stopping
from napari_inverse.methods import deconvolve
from napari_inverse.metrics import psnr
from napari_inverse.optics import Optics, psf_for_image

SCALES = (1.0, 1.5, 2.0, 2.5)


def restored(pair, iterations):
    return deconvolve(pair.input, "rl", optics=Optics(**pair.metadata["optics"]),
                      iterations=iterations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4, help="test images per set")
    args = parser.parse_args()
    candidates = [c["iterations"] for c in CLASSICAL_METHODS[2].candidates]
    rows, by_scale = [], {s: [] for s in SCALES}
    for dataset in deconvolution_sets() + oversampled_sets():
        validation = dataset.validation().pairs()
        scores = {n: np.mean([psnr(p.target, restored(p, n).image) for p in validation])
                  for n in candidates}
        chosen = max(scores, key=scores.get)
        for pair in validation:
            psf = psf_for_image(Optics(**pair.metadata["optics"]), pair.input.shape,
                                "richards_wolf")
            half = rl_stopping.best_iterate_on_half(pair.input, psf)
            for scale in SCALES:
                count = max(1, math.ceil(scale * half))
                by_scale[scale].append(psnr(pair.target, restored(pair, count).image))
        test = dataset.pairs()[: args.images]
        auto = [restored(p, "auto") for p in test]
        rows.append((dataset.name,
                     np.mean([psnr(p.target, p.input) for p in test]), chosen,
                     np.mean([psnr(p.target, restored(p, chosen).image) for p in test]),
                     np.mean([psnr(p.target, r.image) for p, r in zip(test, auto)]),
                     [r.metadata["parameters"]["chosen_iterations"] for r in auto]))
        print(rows[-1], flush=True)
    print("\nvalidation images, mean PSNR by scale of the half's count:")
    for scale, values in by_scale.items():
        print(f"  ×{scale:g}: {np.mean(values):.2f} dB over {len(values)} images")
    print(f"\n| set ({args.images} test images) | input | RL, chosen on validation | RL (auto) "
          "| auto's counts |\n|---|---:|---:|---:|---|")
    for name, raw, chosen, fixed, auto, counts in rows:
        print(f"| {name} | {raw:.2f} | {fixed:.2f} ({chosen} it.) | {auto:.2f} "
              f"| {', '.join(map(str, counts))} |")


if __name__ == "__main__":
    main()
