"""Continue a shipped model's recipe on a lent GPU for as many steps as a deadline allows.

How the shipped m-rBCR's GPU continuations were made, on an H200 lent for 15 minutes of device
time (the machine's start included), each in one call:

    python3 scripts/continue_on_gpu.py --recipe mrbcr-widefield --out $OUT/run --deadline 500

The recipe's continuation anneals its rate to zero on a cosine over its steps, so the step count
must end with the budget: it comes from a short timed calibration on the same machine (the
continuation's own batch, patches and network, started from the same weights), not from a
guess. On a GPU the continuation trains at batch 128 and rate 1e-3 instead of the recipe's CPU
batch of 32 at 5e-4: on the H200, m-rBCR learns from 837 patches per second at batch 128 in NHWC
against 498 at batch 32 in NCHW (``scripts/time_gpu_training.py``, docs/benchmarks.md); the rate
grows with the square root of the batch. The run itself is exactly ``napari-inverse train
--recipe NAME --init-from NAME --steps N --batch-size 128 --learning-rate 1e-3``;
``scripts/ship_model.py OUT/run`` installs it afterwards.
"""
from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # pool workers: one thread each
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

SOURCE = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SOURCE))

from napari_inverse.training import RECIPES, PatchSampler  # noqa: E402
from napari_inverse.training.fine_tuning import starting_network  # noqa: E402
from napari_inverse.training.runner import run_recipe  # noqa: E402
from napari_inverse.training.simulated import TRAINING_SEED_BASE, cached_pool  # noqa: E402
from time_gpu_training import step_seconds  # noqa: E402 - beside this script

FINISHING_S = 45.0
"""Kept back from the deadline for the closing validation, the validation PSNR and saving."""
VALIDATION_SHARE = 0.08
"""Extra time per step for the validations every 50 steps and the run's first look at each pool
image (its percentiles, ~2 ms each, 8 s for 4000 images). On the H200 at batch 128 the run took
0.148 s per step, validations included (1,897 steps in 280 s)."""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipe", default="mrbcr-widefield")
    parser.add_argument("--init-from", help="model to continue (default: the recipe's own)")
    parser.add_argument("--out", required=True, help="folder for the trained model")
    parser.add_argument("--deadline", type=float, default=500.0,
                        help="seconds from start by which the model is saved")
    parser.add_argument("--pool-dir", default="/tmp/napari-inverse-pools")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--calibration-steps", type=int, default=60)
    parser.add_argument("--pool-images", type=int, help="override the recipe's pool size")
    parser.add_argument("--seconds-per-step", type=float,
                        help="measured by an earlier run on this machine: skip the calibration")
    args = parser.parse_args()
    started = time.perf_counter()
    recipe = RECIPES[args.recipe].with_overrides(pool_images=args.pool_images,
                                                 batch_size=args.batch_size,
                                                 learning_rate=args.learning_rate)
    init_from = args.init_from or recipe.name
    workers, pool_dir = os.cpu_count() or 1, Path(args.pool_dir)
    train_in, train_target = cached_pool(recipe.task, recipe.pool_images, recipe.pool_shape,
                                         TRAINING_SEED_BASE, pool_dir, workers, recipe.ranges)
    say(started, f"pools ready ({recipe.pool_images} pairs)")

    seconds_per_step = (args.seconds_per_step
                        or calibrate(recipe, init_from, train_in, train_target, args))
    left = args.deadline - (time.perf_counter() - started) - FINISHING_S
    steps = max(1, int(left / (seconds_per_step * (1 + VALIDATION_SHARE))))
    say(started, f"{seconds_per_step:.3f} s per step: {steps} steps in the {left:.0f} s left")
    run_recipe(recipe.with_overrides(steps=steps, time_budget_s=left), Path(args.out),
               args.device, workers, pool_dir, say=lambda line: say(started, line),
               init_from=init_from)
    say(started, "done")
    return 0


def calibrate(recipe, init_from, train_in, train_target, args) -> float:
    """Seconds per training step of the recipe's continuation on this device, timed after the
    first third of ``--calibration-steps`` (warm-up: kernel selection, allocator growth).

    The pool images' percentiles are computed before the timing: a sampler computes each one
    on first use, which at batch 128 falls largely into a calibration's steps but spreads thinly
    over a whole run; the likely reason a 30-step calibration without this measured 0.213 s per
    step on the H200, against 0.148 s in the run that followed.
    """
    settings = recipe.settings(continuing=True)
    net, _ = starting_network(recipe.family, init_from, recipe.task, settings.seed)
    sampler = PatchSampler([train_in], [train_target], (recipe.patch, recipe.patch),
                           seed=settings.seed)
    for frame in range(sampler.n_frames):
        sampler.frame_bounds(frame)
    first, last = args.calibration_steps // 3, args.calibration_steps
    seconds = step_seconds(net, recipe.family, sampler, replace(settings, steps=last), args.device)
    return statistics.fmean(seconds[first:])


def say(started: float, line: str) -> None:
    print(f"[{time.perf_counter() - started:6.1f} s] {line}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
