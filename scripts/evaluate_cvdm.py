"""Calibrate a trained CVDM model's uncertainty, then measure it beside classical deconvolution.

1. Sample the calibration set (seeds from 30 000 000) with the verb's defaults and store the
   factor that makes ±2σ cover 95.4 % in the model card (``card.calibration``).
2. On held-out pairs (seeds from 40 000 000) and on unseen optics: PSNR and decorrelation
   resolution of the CVDM mean (with and without PI-DDPM guidance), Richardson–Lucy, Wiener and
   the input; Spearman σ–|error|, ±2σ coverage and the reliability curve; quality and time per
   step count; seconds per sampling step at 256² and 512².

    python scripts/evaluate_cvdm.py MODEL_DIR --out docs/cvdm-evaluation.json --figure docs/x.png
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from napari_inverse.benchmarks.super_resolution import (  # noqa: E402
    CALIBRATION_SEED_BASE, HELD_OUT_SEED_BASE, UNSEEN_RANGES, calibration_figures,
    fitted_calibration, quality_table, sample_pairs, super_resolution_set)
from napari_inverse.metrics import psnr  # noqa: E402
from napari_inverse.methods import super_resolve  # noqa: E402
from napari_inverse.methods.super_resolve import DEFAULT_STEPS  # noqa: E402
from napari_inverse.zoo import ModelCard  # noqa: E402
from napari_inverse.zoo.registry import forget_shared_models  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("model", type=Path, help="folder with the .safetensors and card")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--figure", type=Path)
    parser.add_argument("--pairs", type=int, default=12)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--skip", nargs="*", default=[], help="parts to skip: steps timing")
    args = parser.parse_args()
    torch.set_num_threads(1)
    shape = (args.size, args.size)
    card_path = next(args.model.glob("*.json"))
    card = ModelCard.load(card_path)
    report: dict = {"model": card.name, "pairs": args.pairs, "shape": list(shape)}

    card.calibration = {"factor": 1.0}
    card.save(card_path)
    forget_shared_models()
    calibration_set = super_resolution_set(CALIBRATION_SEED_BASE, args.pairs, shape)
    sampled = sample_pairs(calibration_set, args.model)
    factor = fitted_calibration(calibration_set, sampled, 1.0)
    card.calibration = {
        "factor": factor, "samples": 8, "steps": DEFAULT_STEPS,
        "fitted_on": f"{args.pairs} simulated widefield → SIM-like pairs of {shape[0]}², seeds "
                     f"from {CALIBRATION_SEED_BASE} (never trained on)",
        "target": "±2σ covers 95.4 % of pixels"}
    card.save(card_path)
    forget_shared_models()
    report["calibration"] = {**card.calibration,
                             "before": calibration_figures(calibration_set, sampled)}
    print("calibration factor", factor, flush=True)

    held_out = super_resolution_set(HELD_OUT_SEED_BASE, args.pairs, shape)
    plain = sample_pairs(held_out, args.model)
    guided = sample_pairs(held_out, args.model, physics=True)
    report["held_out"] = calibration_figures(held_out, plain)
    report["held_out_physics"] = calibration_figures(held_out, guided)
    report["quality"] = quality_table(held_out, {"CVDM mean": plain,
                                                 "CVDM mean + PI-DDPM guidance": guided})
    report["seconds_per_image"] = {"plain": plain.seconds / args.pairs,
                                   "physics": guided.seconds / args.pairs}
    print(json.dumps(report["quality"], indent=1), flush=True)

    unseen = super_resolution_set(HELD_OUT_SEED_BASE + 500_000, args.pairs, shape, UNSEEN_RANGES)
    report["unseen_optics"] = calibration_figures(unseen, sample_pairs(unseen, args.model))
    print("held out", report["held_out"], "\nunseen", report["unseen_optics"], flush=True)

    if "steps" not in args.skip:
        report["steps"] = {}
        for steps in (10, 25, 50, 199):
            result = sample_pairs(held_out[:2], args.model, steps=steps)
            report["steps"][steps] = {
                "psnr_db": float(np.mean([psnr(p.target, m)
                                          for p, m in zip(held_out[:2], result.means)])),
                "seconds_per_image": result.seconds / 2}
            print("steps", steps, report["steps"][steps], flush=True)
    if "timing" not in args.skip:
        report["seconds_per_step_8_samples"] = {}
        for size in (256, 512):
            image = np.random.default_rng(0).poisson(50, (size, size)).astype(np.float32)
            super_resolve(image, model=args.model, samples=8, steps=1, seed=0)  # warm
            started = time.perf_counter()
            super_resolve(image, model=args.model, samples=8, steps=4, seed=0)
            report["seconds_per_step_8_samples"][size] = (time.perf_counter() - started) / 4
            print("timing", size, report["seconds_per_step_8_samples"][size], flush=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    if args.figure:
        reliability_figure(report, args.figure)
    return 0


def reliability_figure(report: dict, path: Path) -> None:
    """Observed against expected coverage of ±kσ, k = 0.5 … 3, held out and unseen optics."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(4.2, 4.0), dpi=120)
    axis.plot([0, 1], [0, 1], color="grey", lw=1, label="perfectly calibrated")
    for key, label in (("held_out", "held-out pairs"), ("unseen_optics", "unseen optics")):
        figures = report[key]
        axis.plot(figures["curve_expected"], figures["curve_observed"], "o-",
                  label=f"{label} (ρ={figures['spearman']:.2f})")
    axis.set_xlabel("expected coverage of ±kσ (Gaussian)")
    axis.set_ylabel("observed coverage")
    axis.set_title("CVDM uncertainty, k = 0.5 … 3")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)


if __name__ == "__main__":
    raise SystemExit(main())
