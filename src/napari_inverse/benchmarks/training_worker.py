"""Training throughput of shipped recipes, measured in a fresh interpreter.

Run as ``python -m napari_inverse.benchmarks.training_worker SPEC`` (SPEC: JSON from
training_speed.py). The full suite starts one worker per recipe so that the peak resident memory
(VmHWM) is that recipe's own; the quick suite times every recipe in one worker to stay short.

Each recipe trains through the real :func:`napari_inverse.training.fit` with its own network,
objective, batch and patch size, so the number is what ``napari-inverse train --recipe NAME``
gets per step. fit reports every step through its progress callback; the gaps between those
calls are the step times, so no timing code reaches into the loop. The first step (kernel
selection, allocator warm-up) is left out. The simulated pool was saved beforehand by the
parent and is memory-mapped here: neither its simulation nor its size counts.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from dataclasses import replace

from .worker import load_average, peak_rss_bytes

WARM_UP_STEPS = 1


def time_recipe(name: str, spec: dict) -> dict:
    """Seconds per ``fit`` step of recipe ``name`` (median of the timed steps) and its context."""
    import torch

    from ..training import OBJECTIVES, RECIPES, fit
    from ..training.runner import recipe_sampler
    from ..training.simulated import TRAINING_SEED_BASE, cached_pool
    from ..zoo import build_network
    from ..zoo.families import parameter_count

    recipe = RECIPES[name]
    batch = spec.get("batch_size") or recipe.fit.batch_size
    patch = spec.get("patch") or recipe.patch
    pool = spec["pools"][name]
    inputs, targets = cached_pool(recipe.task, pool["images"], tuple(pool["shape"]),
                                  TRAINING_SEED_BASE, pool["folder"], ranges=recipe.ranges)
    sampler = recipe_sampler(recipe, inputs, targets, recipe.fit.seed, patch)
    net = build_network(recipe.family, recipe.architecture)
    steps = WARM_UP_STEPS + spec["timed_steps"]
    # No validation until the last step (after the last timestamp), no checkpoint, no budget.
    config = replace(recipe.fit, steps=steps, batch_size=batch, validate_every=steps + 1,
                     early_stop_patience=None, time_budget_s=None)
    stamps: list[float] = []
    result = fit(net, OBJECTIVES[recipe.family], sampler, [], config, spec["device"],
                 progress=lambda step, total, message: stamps.append(time.perf_counter()))
    if len(stamps) != steps:
        raise RuntimeError(f"{name}: fit stopped after {len(stamps)} of {steps} steps "
                           f"({result.stop_reason})")
    timed = [b - a for a, b in zip(stamps[WARM_UP_STEPS - 1:], stamps[WARM_UP_STEPS:])]
    device = torch.device(result.device)
    return {
        "recipe": name,
        "parameters": parameter_count(net),
        "batch_size": batch,
        "patch": patch,
        "seconds_per_step": statistics.median(timed),
        "timed_steps": len(timed),
        "device": result.device,
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "threads": torch.get_num_threads(),
        "peak_rss": peak_rss_bytes(),
        "load": load_average(),
    }


def main(spec: dict) -> dict:
    import torch  # noqa: F401  (imported before the baseline, as every recipe needs it)

    from .. import training  # noqa: F401

    baseline = peak_rss_bytes()
    return {"baseline_rss": baseline,
            "rows": [time_recipe(name, spec) for name in spec["recipes"]]}


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
