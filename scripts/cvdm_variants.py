"""Train a variant of the ``cvdm-widefield-sr`` recipe for a fixed number of steps, then score it.

One change at a time against the same steps of the recipe as it is (``--residual-scale``,
``--physics-weight`` for PI-DDPM's consistency term in training), so
that a short CPU budget says which change helps the CVDM mean: PSNR of the mean of 8 samples
(10 steps) on simulated pairs from the calibration seeds (never trained on, not the bench's).

    python scripts/cvdm_variants.py OUT_DIR --steps 400 --residual-scale 8 --pool-dir POOLS
    python scripts/cvdm_variants.py cvdm-widefield-sr --score-only   # a trained model as it is
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from napari_inverse import super_resolve  # noqa: E402
from napari_inverse.benchmarks.super_resolution import (  # noqa: E402
    CALIBRATION_SEED_BASE, super_resolution_set)
from napari_inverse.metrics import psnr  # noqa: E402
from napari_inverse.training.recipes import recipe  # noqa: E402
from napari_inverse.training.runner import run_recipe  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--score-only", action="store_true", help="score OUT as it is")
    parser.add_argument("--time-budget", type=float, default=3600)
    parser.add_argument("--residual-scale", type=float, default=1.0)
    parser.add_argument("--physics-weight", type=float, default=0.0)
    parser.add_argument("--pool-dir", type=Path)
    parser.add_argument("--pairs", type=int, default=6)
    args = parser.parse_args()
    torch.set_num_threads(1)
    report: dict = {"model": str(args.out)}
    if not args.score_only:
        base = recipe("cvdm-widefield-sr").with_overrides(args.steps, args.time_budget)
        variant = replace(base, architecture={**base.architecture,
                                              "residual_scale": args.residual_scale},
                          physics_weight=args.physics_weight)
        card = run_recipe(variant, args.out, device="cpu", pool_dir=args.pool_dir)
        report.update(residual_scale=args.residual_scale, physics_weight=args.physics_weight,
                      steps=card.steps, wall_time_s=card.wall_time_s,
                      validation_psnr_db=card.metrics["validation_psnr_db"])
    pairs = super_resolution_set(CALIBRATION_SEED_BASE, args.pairs, (128, 128))
    means = [super_resolve(p.input, model=args.out, samples=8, steps=10, seed=k).image
             for k, p in enumerate(pairs)]
    report["held_out_psnr_db"] = float(np.mean([psnr(p.target, m) for p, m in zip(pairs, means)]))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
