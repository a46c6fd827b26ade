"""Train every shipped model on one machine in one go (how the zoo's weights were made).

Builds the simulated pools once with all CPU cores, then runs each recipe in its own process on
the same accelerator (they are small networks: sharing one GPU keeps it busy), each with the same
wall-clock budget, and packs the resulting model folders into one archive.

    python3 scripts/train_shipped.py --out OUT --deadline 520 [--smoke]
"""
from __future__ import annotations

import argparse
import os

# pool workers: one thread each (16 processes × 16 threads crawled)
os.environ.setdefault("OMP_NUM_THREADS", "1")
import subprocess
import sys
import tarfile
import time
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SOURCE))

from napari_inverse.training import RECIPES  # noqa: E402
from napari_inverse.training.simulated import (TRAINING_SEED_BASE,  # noqa: E402
                                               VALIDATION_SEED_BASE, cached_pool)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--deadline", type=float, default=520.0,
                        help="seconds from start by which every recipe has finished training")
    parser.add_argument("--pool-dir", default="/tmp/napari-inverse-pools")
    parser.add_argument("--smoke", action="store_true", help="full pools, 3 steps per recipe")
    parser.add_argument("--pool-images", type=int, help="override the recipes' pool size")
    parser.add_argument("--recipes", nargs="*", default=list(RECIPES))
    parser.add_argument("--device", default="auto")
    parser.add_argument("--continue-shipped", action="store_true",
                        help="start each recipe from its shipped model's weights, with the "
                        "recipe's continuation settings where it has them")
    args = parser.parse_args()
    out = Path(args.out)
    work = Path("/tmp/napari-inverse-smoke" if args.smoke else "/tmp/napari-inverse-models")
    work.mkdir(parents=True, exist_ok=True)
    workers = os.cpu_count() or 1
    chosen = [RECIPES[name] for name in args.recipes]
    started = time.perf_counter()
    for task, ranges in dict.fromkeys((r.task, r.ranges) for r in chosen):
        first = next(r for r in chosen if (r.task, r.ranges) == (task, ranges))
        n = args.pool_images or first.pool_images
        cached_pool(task, n, first.pool_shape, TRAINING_SEED_BASE, Path(args.pool_dir), workers,
                    ranges)
        cached_pool(task, first.validation_images, first.pool_shape, VALIDATION_SEED_BASE,
                    Path(args.pool_dir), workers, ranges)
        print(f"pool {task} ({ranges.nyquist_fraction[0]}–{ranges.nyquist_fraction[1]}× "
              f"Nyquist): {n} pairs ready at {time.perf_counter() - started:.0f} s", flush=True)
    budget = args.deadline - (time.perf_counter() - started) - 45  # start-up, final scoring, saving
    print(f"training budget per recipe: {budget:.0f} s", flush=True)
    processes = {}
    for r in chosen:
        command = [sys.executable, "-m", "napari_inverse.cli", "train", "--recipe", r.name,
                   "--out", str(work / r.name), "--pool-dir", args.pool_dir,
                   "--device", args.device, "--time-budget", str(budget)]
        if args.smoke:
            command += ["--steps", "3"]
        if args.continue_shipped:
            command += ["--init-from", r.name]
        if args.pool_images:
            command += ["--pool-images", str(args.pool_images)]
        environment = dict(os.environ, OMP_NUM_THREADS="2", PYTHONUNBUFFERED="1",
                           PYTHONPATH=os.pathsep.join([str(SOURCE),
                                                       os.environ.get("PYTHONPATH", "")]))
        log = open(work / f"{r.name}.log", "w")
        processes[r.name] = subprocess.Popen(command, env=environment, stdout=log,
                                             stderr=subprocess.STDOUT)
    codes = {name: p.wait() for name, p in processes.items()}
    for name in processes:
        lines = (work / f"{name}.log").read_text().splitlines()
        print(f"--- {name} (exit {codes[name]}):", *lines[-4:], sep="\n", flush=True)
    print(f"exit codes: {codes}; total {time.perf_counter() - started:.0f} s", flush=True)
    out.mkdir(parents=True, exist_ok=True)
    with tarfile.open(out / "models.tar.gz", "w:gz") as archive:
        archive.add(work, arcname="models")
    return 0 if all(c == 0 for c in codes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
