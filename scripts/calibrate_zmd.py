"""Calibrate a trained ZMD model's uncertainty on simulated stacks it never saw.

Runs held-out stacks of its recipe's ranges (seeds from 30 000 000) through
``retrieve_phase(method="zmd")`` and stores in the card the factor that makes ±2σ of the mean
network's spread over the eight views cover 95.4 % of pixels (``card.calibration``), with the
raw spread's rank correlation with the error, which the verb requires of an uncertainty. The
phase bench then checks the factor on other specimens (`benchmarks/phase_zmd.py`).

    python scripts/calibrate_zmd.py MODEL_DIR [--stacks 8] [--size 128]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from napari_inverse.benchmarks.phase_zmd import (  # noqa: E402
    CALIBRATION_SEED_BASE, calibration_stacks, fitted_factor)
from napari_inverse.zoo import ModelCard  # noqa: E402
from napari_inverse.zoo.registry import forget_shared_models  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("model", type=Path, help="folder with the .safetensors and card")
    parser.add_argument("--stacks", type=int, default=8)
    parser.add_argument("--size", type=int, default=128)
    args = parser.parse_args()
    torch.set_num_threads(1)
    card_path = next(args.model.glob("*.safetensors")).with_suffix(".json")
    card = ModelCard.load(card_path)
    card.calibration = {"factor": 1.0, "spread": "views"}
    card.save(card_path)
    forget_shared_models()
    planes = card.optics["planes"]
    stacks = calibration_stacks(planes, args.stacks, (args.size, args.size))
    factor, before = fitted_factor(args.model, stacks)
    card.calibration = {
        "factor": factor, "spread": "views",
        "fitted_on": f"{args.stacks} simulated {planes} stacks of {args.size}², seeds from "
                     f"{CALIBRATION_SEED_BASE} (never trained on)",
        "target": "±2σ covers 95.4 % of pixels",
        "raw_spread": {"spearman_with_error": before["spearman"],
                       "coverage_2sigma": before["coverage_2sigma"]}}
    card.save(card_path)
    forget_shared_models()
    print(json.dumps({"factor": factor, "before": before}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
