"""The "training" suite: steps per second of every shipped recipe's ``fit`` loop on this machine.

Why: how long ``napari-inverse train --recipe NAME`` takes here follows from one number per
recipe, the seconds per optimiser step at that recipe's batch and patch size. The pools are
simulated once in this process and saved, so each worker only memory-maps them; the timing
itself happens in ``training_worker.py``, in a fresh interpreter per recipe.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable

from .measure import run_worker
from .report import mib

FULL_TIMED_STEPS = 3
FULL_POOL_IMAGES = 8  # of each recipe's pool_shape: enough distinct patches, built in seconds
# The smoke test: every recipe in one worker, tiny batches, one timed step.
QUICK = {"batch_size": 2, "patch": 32, "timed_steps": 1, "pool_images": 2, "pool_shape": (64, 64)}


def run_training_suite(quick: bool, device: str, command: str,
                       say: Callable[[str], None]) -> str:
    """Time every recipe; print the table; return the report section."""
    from ..training import RECIPES
    from .report import load_average, machine_description

    names = list(RECIPES)
    machine = machine_description()
    with tempfile.TemporaryDirectory(prefix="napari-inverse-bench-training-") as folder:
        pools = _simulate_pools(quick, Path(folder), say)
        spec = {"device": device, "pools": pools,
                "timed_steps": QUICK["timed_steps"] if quick else FULL_TIMED_STEPS}
        if quick:
            spec.update(batch_size=QUICK["batch_size"], patch=QUICK["patch"])
            say(f"timing {len(names)} recipes in one process (smoke test) …")
            runs = [_run_worker({**spec, "recipes": names})]
        else:
            runs = []
            for number, name in enumerate(names, 1):
                runs.append(_run_worker({**spec, "recipes": [name]}))
                row = runs[-1]["rows"][0]
                say(f"[{number}/{len(names)}] {name}: {row['seconds_per_step']:.3f} s/step, "
                    f"peak {mib(row['peak_rss'])}")
    rows = [row for run in runs for row in run["rows"]]
    table = training_table(rows)
    print(table)
    machine["load_after"] = load_average()
    baseline = max(run["baseline_rss"] for run in runs)
    return _section(command, machine, rows, table, baseline, quick)


def _simulate_pools(quick: bool, folder: Path, say) -> dict:
    """Save one small simulated pool per recipe (recipes of one task, shape and microscope
    ranges share its file); return where each recipe's lies."""
    from ..training import RECIPES
    from ..training.simulated import TRAINING_SEED_BASE, cached_pool

    pools = {}
    for recipe in RECIPES.values():
        shape = QUICK["pool_shape"] if quick else recipe.pool_shape
        images = QUICK["pool_images"] if quick else FULL_POOL_IMAGES
        say(f"simulating {images} {recipe.task} pairs of {shape[0]}² for {recipe.name} …")
        cached_pool(recipe.task, images, shape, TRAINING_SEED_BASE, folder, workers=1,
                    ranges=recipe.ranges)
        pools[recipe.name] = {"images": images, "shape": list(shape), "folder": str(folder)}
    return pools


def _run_worker(spec: dict) -> dict:
    """One fresh interpreter timing ``spec["recipes"]``; its JSON answer."""
    return run_worker("napari_inverse.benchmarks.training_worker", spec,
                      f"training {', '.join(spec['recipes'])}")


def training_table(rows: list[dict]) -> str:
    """One markdown row per recipe: its network, batch, device and throughput."""
    lines = ["| recipe | network parameters | batch × patch | device (threads) | s / step "
             "| steps/s | M pixels/s | peak RSS | load |",
             "|---|---:|---|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        seconds = row["seconds_per_step"]
        pixels = row["batch_size"] * row["patch"] ** 2
        lines.append(
            f"| {row['recipe']} | {row['parameters']:,} | {row['batch_size']} × {row['patch']}² "
            f"| {row['device']} ({row['threads']}) | {seconds:.3f} | {1 / seconds:.2f} "
            f"| {pixels / seconds / 1e6:.3f} | {mib(row['peak_rss'])} "
            f"| {row['load']:.1f} |")
    return "\n".join(lines)


def _section(command: str, machine: dict, rows: list[dict], table: str, baseline: int,
             quick: bool) -> str:
    gpus = sorted({row["device_name"] for row in rows if row["device_name"]})
    timed = rows[0]["timed_steps"]
    if quick:
        title = ("## Training throughput (quick smoke test: batch 2 × 32², one timed step, all "
                 "recipes in one process; not representative)")
        setup = ("- Quick smoke test: every recipe at batch 2 × 32² in one Python process, pools "
                 "of 2 simulated 64² pairs; the peak RSS column is that one process's so far.")
    else:
        title = "## Training throughput"
        setup = (f"- Each recipe in its own fresh Python process, with its own network, "
                 f"objective, batch and patch size and learning rate; its pool is "
                 f"{FULL_POOL_IMAGES} simulated pairs of the recipe's pool size, simulated "
                 "beforehand and memory-mapped (not timed).")
    return "\n".join([
        title,
        "",
        f"Measured with `{command}` on {machine['date']}.",
        "",
        f"- CPU: {machine['cpu']}" + (f"; GPU: {', '.join(gpus)}" if gpus else "")
        + f". The 1-minute load average was {machine['load']} at the start and "
        f"{machine['load_after']} at the end; the load column gives it as each recipe ended.",
        f"- napari-inverse {machine['code']}",
        f"- Python {machine['python']}, torch {machine['torch']}, numpy {machine['numpy']}",
        "- Timed: the `fit` loop of each recipe, as `napari-inverse train --recipe NAME` runs "
        "it: per step, sampling a batch of random patches, forward pass, loss, backward pass "
        "and Adam step (bfloat16 autocast on CUDA, float32 elsewhere). Seconds per step are the "
        f"median of {timed} timed step{'s' if timed > 1 else ''} after 1 warm-up step, from "
        "the timestamps of fit's per-step progress callback; validation and saving are not "
        "timed. M pixels/s is batch × patch pixels / seconds per step.",
        setup,
        f"- Peak RSS is the process's high-water mark (VmHWM), including the interpreter: "
        f"{mib(baseline)} with torch and napari-inverse imported.",
        "",
        table,
        "",
    ])
