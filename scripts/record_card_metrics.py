"""Write each shipped deconvolution model's benchmark PSNR into its model card.

The figure is the quality suite's own (`benchmarks.quality.evaluate`, mean PSNR over each fixed
set), so `tests/zoo/test_card_metrics.py` can reload a model from the zoo and check that it
reproduces its card. Run after retraining a shipped model:

    .venv/bin/python scripts/record_card_metrics.py
"""
from __future__ import annotations

import json

import torch

from napari_inverse.benchmarks.datasets import deconvolution_sets
from napari_inverse.benchmarks.quality import evaluate, learned_methods
from napari_inverse.engine.precision import inference_dtype, precision_name
from napari_inverse.zoo import find_model


FORMAT = precision_name(inference_dtype("auto", torch.device("cpu")))
"""The number format the figures are measured in: bfloat16 differs from float32 by at most
0.03 dB on these sets (docs/benchmarks.md), within the 0.05 dB the card test allows."""


def main() -> None:
    for method in learned_methods():
        model = method.model
        entry = find_model(model)
        scores = {}
        for dataset in deconvolution_sets():
            row = evaluate(method, dataset, device="cpu", measure_resolution=False)
            scores[dataset.name] = round(row.psnr, 4)
            print(f"{model} · {dataset.name}: {row.psnr:.4f} dB", flush=True)
        card_path = entry.weights.with_suffix(".json")
        card = json.loads(card_path.read_text(encoding="utf-8"))
        card["metrics"]["benchmark_psnr_db"] = scores
        card["metrics"]["benchmark"] = ("napari-inverse bench quality sets: mean PSNR (dB, "
                                        "target's range) over each set, CPU inference in "
                                        f"{FORMAT} (precision 'auto' on this CPU)")
        card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")


if __name__ == "__main__":
    main()
