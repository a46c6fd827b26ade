"""Time the recipes' training steps on a GPU in each memory layout and batch size, and compiled.

Why: a lent GPU's minutes are few, so the layout and batch a recipe trains in there are chosen
from measurement (docs/benchmarks.md), not guessed. Each variant is timed as the fit loop runs it
(sampling from a simulated pool, bfloat16 autocast, Adam), through fit's per-step progress
callback: the median of the steps after a warm-up. One JSON line per variant, to stdout and to
``--out``:

    python3 scripts/time_gpu_training.py --out $OUT/timing.jsonl
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SOURCE))

import torch  # noqa: E402

from napari_inverse.training import OBJECTIVES, RECIPES, PatchSampler, fit  # noqa: E402
from napari_inverse.training.fine_tuning import fresh_network  # noqa: E402
from napari_inverse.training.simulated import TRAINING_SEED_BASE, build_pool  # noqa: E402

LAYOUTS = {"NCHW": torch.contiguous_format, "NHWC": torch.channels_last}
BATCHES = {"mrbcr-widefield": (32, 64, 128), "srbcr-widefield": (32, 128),
           "care-widefield": (16, 64)}
WARM_UP, TIMED = 5, 15


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True, help="JSON-lines file for the timings")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--compile", default="mrbcr-widefield",
                        help="recipe to time compiled too, at its fastest eager variant ('' none)")
    args = parser.parse_args()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    pool = build_pool("deconvolution", 64, (256, 256), TRAINING_SEED_BASE, os.cpu_count() or 1)
    fastest = {}
    for name, batches in BATCHES.items():
        for layout in LAYOUTS:
            for batch in batches:
                row = time_steps(name, layout, batch, pool, args.device, compiled=False)
                report(row, args.out)
                if row["patches_per_s"] > fastest.get(name, {}).get("patches_per_s", 0):
                    fastest[name] = row
    if args.compile:
        best = fastest[args.compile]
        try:
            report(time_steps(args.compile, best["layout"], best["batch"], pool, args.device,
                              compiled=True), args.out)
        except Exception as error:  # noqa: BLE001 - a compiler missing on the machine is a finding
            report({"recipe": args.compile, "compiled": True, "error": repr(error)[:500]},
                   args.out)
    return 0


def time_steps(name: str, layout: str, batch: int, pool, device: str, compiled: bool) -> dict:
    recipe = RECIPES[name]
    settings = replace(recipe.fit, steps=WARM_UP + TIMED, batch_size=batch)
    net = fresh_network(recipe.family, recipe.architecture, settings.seed)
    net.training_layouts = {"cuda": LAYOUTS[layout]}
    if compiled:
        net.compile()
    sampler = PatchSampler([pool[0]], [pool[1]], (recipe.patch, recipe.patch), seed=1)
    on_gpu = torch.cuda.is_available()
    if on_gpu:
        torch.cuda.reset_peak_memory_stats()
    steps = step_seconds(net, recipe.family, sampler, settings, device)
    per_step = statistics.median(steps[WARM_UP:])
    return {"recipe": name, "layout": layout, "batch": batch, "compiled": compiled,
            "first_step_s": round(steps[0], 2), "s_per_step": round(per_step, 4),
            "patches_per_s": round(batch / per_step, 1),
            "peak_gb": round(torch.cuda.max_memory_allocated() / 1e9, 2) if on_gpu else None,
            "gpu": torch.cuda.get_device_name() if on_gpu else "cpu"}


def step_seconds(net, family: str, sampler, settings, device: str) -> list[float]:
    """Seconds of each of ``settings.steps`` training steps as ``fit`` runs them, without
    validation; the first includes fit's set-up (moving the network, the first kernels)."""
    stamps = [time.perf_counter()]
    fit(net, OBJECTIVES[family], sampler, [],
        replace(settings, validate_every=10**9, time_budget_s=None), device,
        progress=lambda step, total, message: stamps.append(time.perf_counter()))
    return [b - a for a, b in zip(stamps, stamps[1:])]


def report(row: dict, out: str) -> None:
    print(json.dumps(row), flush=True)
    with open(out, "a") as file:
        file.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    sys.exit(main())
