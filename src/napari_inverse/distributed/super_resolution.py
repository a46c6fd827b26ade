"""CVDM super-resolution chunk by chunk: a finer output grid, a model per worker, a seed per chunk.

Chunks and halos are counted on the input's grid; the output's are ``upsample`` times larger
(``OutputGrid.zoom``). The halo is the verb's own tiles' (`zoo.inference.HALO` on the model's
grid), and chunks start on the network's grid there. The card's percentiles are taken once per
plane on the model's grid, as the verb takes them. Sampling is random: each chunk draws from a
generator seeded by ``seed`` (default 0) and its key, so a rerun or a resumed job writes the
same numbers, and a chunk's samples follow the verb's distribution, not its draws (the test
compares them in units of the sampling spread).
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import math
from typing import Any

import numpy as np

from ..engine.arguments import check_arguments
from ..engine.validation import InvalidInput
from ..methods.model_restoration import load_checked_model
from ..methods.super_resolve import (ARGUMENTS, DEFAULT_STEPS, METHODS, SAMPLING_TILE,
                                     SamplingSettings, model_grid_bounds, sample_block)
from ..zoo import family
from ..zoo.inference import HALO
from .chunk_plan import rounded_halo
from .chunked_method import ChunkedMethod, OutputGrid
from .workers import worker_model

TASK = "super_resolution"


def prepare_super_resolve(shape: tuple[int, ...], axes: str,
                          options: dict[str, Any]) -> ChunkedMethod:
    """``super_resolve`` (``options`` as the verb takes them) for chunked work."""
    options = check_arguments(ARGUMENTS, {"method": "zmd", "upsample": 1, "samples": 8,
                                          **options})
    if options.get("return_samples"):
        raise InvalidInput("return_samples=True is not available chunk by chunk: the mean and "
                           "its uncertainty are written; run in memory on a crop for samples")
    if options.get("resample"):
        raise InvalidInput("resample=True is not available chunk by chunk; run in memory, or "
                           "use a model trained for this pixel size")
    optics, upsample = options.get("optics"), options["upsample"]
    if options.get("physics") and optics is None:
        raise InvalidInput("physics=True needs optics=Optics(...) for the widefield PSF")
    model = str(options.get("model") or METHODS[options["method"]])
    card = load_checked_model(model, options["method"], TASK, "cpu").card
    multiple = family(card.family).multiple
    align = multiple // math.gcd(multiple, upsample)  # the input pixel that starts a model tile
    spread = card.spread_name
    grid = OutputGrid(zoom=upsample)
    settings = {"model": model, "method": options["method"], "upsample": upsample,
                "samples": options["samples"], "steps": options.get("steps") or DEFAULT_STEPS,
                "seed": options.get("seed") or 0, "precision": options.get("precision", "auto"),
                "physics": bool(options.get("physics")), "optics": optics, "spread": spread}
    return ChunkedMethod(
        spatial_axes="YX", halo=rounded_halo((math.ceil(HALO / upsample),) * 2, align),
        align=align, restore=restore_super_resolve, statistic=plane_bounds, settings=settings,
        outputs={"image": grid, spread: grid, "schedule": grid},
        metadata={"method": options["method"], "model": card.name, "model_sha256": card.sha256,
                  "upsample": upsample,
                  "optics": (dataclasses.replace(optics, pixel_size_nm=optics.pixel_size_nm
                                                 / upsample).to_dict()
                             if optics is not None else None),  # the output's grid
                  "uncertainty_calibration": card.calibration or
                  "none: the spread is not calibrated",
                  "parameters": {k: settings[k] for k in ("samples", "steps", "seed",
                                                          "upsample", "physics")}})


def plane_bounds(block: np.ndarray, method: ChunkedMethod) -> tuple[float, float]:
    """The card's percentiles of a whole plane on the model's grid, as the verb takes them."""
    settings = method.settings
    card = worker_model(settings["model"], settings["method"], TASK, "cpu").card
    return model_grid_bounds(block, card, settings["upsample"])


def chunk_seed(seed: int, key: str) -> int:
    """The generator seed of chunk ``key``: the same for every run of the job."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{key}".encode()).digest()[:7], "big")


def restore_super_resolve(block: np.ndarray, method: ChunkedMethod, bounds, device: str,
                          cancel, key: str) -> dict[str, np.ndarray]:
    """The worker's CVDM on one chunk: its mean, spread and γ map on the finer grid."""
    import torch

    from ..engine.precision import inference_dtype
    from ..engine.progress import ProgressReporter
    from ..zoo.inference import tile_count

    settings = method.settings
    loaded = worker_model(settings["model"], settings["method"], TASK, device)
    dtype = inference_dtype(settings["precision"], loaded.device)
    net = loaded.net if dtype == torch.float32 else copy.deepcopy(loaded.net).to(dtype)
    optics = settings["optics"]
    physics_optics = (dataclasses.replace(optics, pixel_size_nm=optics.pixel_size_nm
                                          / settings["upsample"])
                      if settings["physics"] else None)
    sampling = SamplingSettings(settings["samples"], settings["steps"], settings["upsample"],
                                physics_optics, dtype)
    model_shape = tuple(n * settings["upsample"] for n in block.shape)
    reporter = ProgressReporter(tile_count(model_shape, SAMPLING_TILE) * settings["steps"],
                                cancel=cancel)
    generator = torch.Generator().manual_seed(chunk_seed(settings["seed"], key))
    mean, spread, schedule = sample_block(block, net, loaded.card, sampling, generator, reporter,
                                          tuple(bounds))
    return {"image": mean, settings["spread"]: spread, "schedule": schedule}
