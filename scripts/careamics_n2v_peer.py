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


def train_and_predict(image: np.ndarray, steps: int, batch: int, patch: int, seed: int,
                      work: Path) -> tuple[np.ndarray, dict]:
    from careamics import CAREamist
    from careamics.config.factories.n2v_factory import create_advanced_n2v_config

    patches_per_epoch = (image.shape[0] // patch) * (image.shape[1] // patch) - 8
    per_epoch = math.ceil(patches_per_epoch / batch)
    config = create_advanced_n2v_config(
        experiment_name="peer", data_type="array", axes="YX", patch_size=[patch, patch],
        batch_size=batch, num_epochs=math.ceil(steps / per_epoch), num_workers=0, seed=seed,
        trainer_params={"max_steps": steps})
    careamist = CAREamist(config, work_dir=work, enable_progress_bar=False)
    started = time.perf_counter()
    careamist.train(train_data=image)
    seconds = time.perf_counter() - started
    done = int(careamist.trainer.global_step)
    prediction = careamist.predict(image, axes="YX")[0]
    params = sum(p.numel() for p in careamist.model.parameters())
    return np.asarray(prediction, dtype=np.float32).squeeze(), {
        "steps": done, "seconds": seconds, "patches_per_step": min(batch, patches_per_epoch),
        "patch": patch, "parameters": int(params)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--patch", type=int, default=64)
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
        prediction, record = train_and_predict(np.load(path), args.steps, args.batch, args.patch,
                                               args.seed, args.folder / "careamics-work")
        np.save(args.folder / f"{name}.careamics.npy", prediction)
        (args.folder / f"{name}.careamics.json").write_text(json.dumps(record))
        print(name, json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
