"""CAREamics Noise2Void on each image of a folder, run by CAREamics' own Python (never ours).

``scripts/compare_careamics_n2v.py`` writes ``*.npy`` noisy images into a folder and calls this
script with the peer environment's interpreter; for every image it trains CAREamics' N2V on that
image alone with CAREamics' defaults (64² patches, 8 held out for validation, Adam, its plateau
schedule) for ``--steps`` optimiser steps, predicts the whole image, and writes
``<name>.careamics.npy`` and ``<name>.careamics.json`` (steps, seconds, patches per step).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
import types
from pathlib import Path

import numpy as np


def _bare_torchvision() -> None:
    """The registry's torchvision wheel is a CUDA build whose ``nms`` fails to register on a CPU
    torch; CAREamics' N2V needs none of its compiled operators, so import it as a bare package."""
    import importlib.metadata
    import importlib.util

    spec = importlib.util.find_spec("torchvision")
    if spec is not None and spec.submodule_search_locations:
        bare = types.ModuleType("torchvision")
        bare.__path__ = list(spec.submodule_search_locations)
        bare.__version__ = importlib.metadata.version("torchvision")
        sys.modules["torchvision"] = bare


def train_and_predict(image: np.ndarray, steps: int, batch: int, patch: list[int], seed: int,
                      work: Path, axes: str = "YX", seconds: float = 0,
                      held_out: int = 8) -> tuple[np.ndarray, dict]:
    """``patch`` has one side per spatial axis (Z first for "ZYX", CAREamics' 3-D N2V); a
    leading "S" or "T" axis is frames of a 2-D N2V; ``seconds`` > 0 also stops it by time;
    ``held_out`` patches validate (CAREamics' default 8)."""
    from careamics import CAREamist
    from careamics.config.factories.n2v_factory import create_advanced_n2v_config

    spatial = image.shape[-len(patch):]
    frames = int(np.prod(image.shape[:-len(patch)]))
    tiles = int(np.prod([math.ceil(n / p) for n, p in zip(spatial, patch)]))  # as CAREamics
    patches_per_epoch = frames * tiles - held_out
    per_epoch = max(1, math.ceil(patches_per_epoch / batch))
    trainer = {"max_steps": steps} | ({"max_time": {"seconds": seconds}} if seconds else {})
    config = create_advanced_n2v_config(
        experiment_name="peer", data_type="array", axes=axes, patch_size=list(patch),
        batch_size=batch, num_epochs=math.ceil(steps / per_epoch), num_workers=0, seed=seed,
        n_val_patches=held_out, trainer_params=trainer)
    careamist = CAREamist(config, work_dir=work, enable_progress_bar=False)
    started = time.perf_counter()
    careamist.train(train_data=image)
    seconds = time.perf_counter() - started
    done = int(careamist.trainer.global_step)
    prediction = careamist.predict(image, axes=axes)[0]  # (predictions, their sources)
    params = sum(p.numel() for p in careamist.model.parameters())
    prediction = np.concatenate(prediction) if isinstance(prediction, list) else prediction
    return np.asarray(prediction, dtype=np.float32).reshape(image.shape), {
        "steps": done, "seconds": seconds, "patches_per_step": min(batch, patches_per_epoch),
        "patch": patch[-1], "patch_shape": list(patch), "parameters": int(params)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--patch", type=int, default=64)
    parser.add_argument("--patch-z", type=int, default=16, help="patch depth when axes has Z")
    parser.add_argument("--axes", default="YX", help='"YX", "ZYX" (3-D N2V), "SYX" or "TYX"')
    parser.add_argument("--held-out", type=int, default=8, help="validation patches")
    parser.add_argument("--seconds", type=float, default=0,
                        help="stop training after this many seconds too (0: steps only)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated image names (default all)")
    args = parser.parse_args()
    _bare_torchvision()
    import torch

    torch.set_num_threads(args.threads)
    names = [n for n in args.only.split(",") if n]
    for path in sorted(args.folder.glob("*.noisy.npy")):
        name = path.name[: -len(".noisy.npy")]
        if names and name not in names:
            continue
        patch = ([args.patch_z] if "Z" in args.axes else []) + [args.patch, args.patch]
        prediction, record = train_and_predict(np.load(path), args.steps, args.batch, patch,
                                               args.seed, args.folder / "careamics-work",
                                               args.axes, args.seconds, args.held_out)
        np.save(args.folder / f"{name}.careamics.npy", prediction)
        (args.folder / f"{name}.careamics.json").write_text(json.dumps(record))
        print(name, json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
