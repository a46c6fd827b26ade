"""Apply a loaded zoo model to a 2-D or 3-D image: percentile-normalise, predict tiled, map back.

The model sees the input scaled by its card's percentiles; the prediction is mapped back with the
same two numbers, so the output is in the input's units (photo-electrons, ADU) and a per-pixel
uncertainty, when the model has one, is in those units too.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
import torch

from ..engine.normalisation import (HIGH_PERCENTILE, LOW_PERCENTILE, denormalise,
                                    percentile_normalise)
from ..engine.progress import ProgressReporter
from ..engine.tiling import plan_tiles, predict_tiled
from ..nets.stage_check import checked_between_stages
from .families import family
from .registry import LoadedModel

TILE_2D = (768, 768)  # at most: m-rBCR's activations on a 768² tile keep a run under ~1.5 GB
TILE_3D = (32, 256, 256)
# Context on each side of a tile. It covers the U-Nets' and s-rBCR's effective receptive fields
# (tiled = whole to 1e-5 of the range); m-rBCR's quarter-scale path reaches further, and its
# seams stay below 0.4 % of the range (tests/zoo/test_inference_tiling.py).
HALO = 32
OVERLAP = 16


def tile_count(shape: tuple[int, ...]) -> int:
    """How many tiles :func:`apply_model` cuts a ``shape`` block into (one progress step each)."""
    ndim = len(shape)
    return len(plan_tiles(shape, _tile(shape), (OVERLAP,) * ndim, (HALO,) * ndim))


def largest_tile(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The largest region :func:`apply_model` runs the network on at once: a tile and its halo."""
    return tuple(min(n, t + 2 * HALO) for n, t in zip(shape, _tile(shape)))


def apply_model(model: LoadedModel, image: np.ndarray,
                reporter: Optional[ProgressReporter] = None,
                dtype: torch.dtype = torch.float32
                ) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """(restored, uncertainty or None) for one spatial block (Y, X) or (Z, Y, X).

    The network computes in ``dtype`` (`engine.precision`); the outputs are float32 either way.
    ``reporter`` gets one step per tile (see :func:`tile_count`) and may cancel between tiles
    and between the network's stages within a tile (`nets.stage_check`).
    A job of many calls runs them inside :func:`~napari_inverse.engine.memory.reuse_freed_memory`
    (the verbs do), so each call reuses the memory the previous one freed.
    """
    spec = model.card.normalisation
    normalised, bounds = percentile_normalise(image, spec.get("low", LOW_PERCENTILE),
                                              spec.get("high", HIGH_PERCENTILE))

    check = reporter.check_cancel if reporter is not None else (lambda: None)

    def process(block: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.ascontiguousarray(block))[None, None].to(model.device)
        with torch.inference_mode(), checked_between_stages(check):
            loc, scale = model.predict(x, dtype)
        if reporter is not None:
            reporter.step(model.card.name)
        loc = loc[0, 0].float().cpu().numpy()
        if scale is None:
            return loc
        return np.stack([loc, scale[0, 0].float().cpu().numpy()])

    output = predict_tiled(normalised, process, _tile(image.shape), (OVERLAP,) * image.ndim,
                           (HALO,) * image.ndim, reporter, align=family(model.card.family).multiple)
    if output.ndim == image.ndim:
        return denormalise(output, bounds), None
    low, high = bounds
    return denormalise(output[0], bounds), (output[1] * (high - low)).astype(np.float32)


def _tile(shape: Sequence[int]) -> tuple[int, ...]:
    """Equal tiles no larger than the limit: the fewest that cover each axis with the overlap.

    A fixed 1024 tile cut 2048 into three overlapping tiles per axis (2.5× the pixels to run);
    balanced, it is 3 × 694 at the 768 limit, and 512² runs as one tile.
    """
    limits = TILE_2D if len(shape) == 2 else TILE_3D
    sizes = []
    for n, limit in zip(shape, limits):
        count = 1 if n <= limit else math.ceil((n - OVERLAP) / (limit - OVERLAP))
        sizes.append(math.ceil((n + (count - 1) * OVERLAP) / count))
    return tuple(sizes)
