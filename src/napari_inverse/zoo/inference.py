"""Apply a loaded zoo model to a 2-D or 3-D image: normalise, predict tiled, map back.

The model sees the input scaled as its card says (percentiles, or mean and standard deviation);
the prediction is mapped back with the same two numbers, so the output is in the input's units
(photo-electrons, ADU) and a per-pixel uncertainty, when the model has one, is in those units.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np
import torch

from ..engine.normalisation import denormalise, normalise, spec_bounds
from ..engine.progress import ProgressReporter
from ..engine.tiling import plan_tiles, predict_tiled
from ..engine.validation import InvalidInput
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
# The smallest tile limits an out-of-memory retry halves down to; below them the halo dominates.
MIN_TILE_2D = (128, 128)
MIN_TILE_3D = (8, 64, 64)
# torch >= 2.5 names the error for every device; torch 2.2-2.4 (the oldest we support) has CUDA's
OUT_OF_MEMORY = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)


class SmallerTilesWarning(UserWarning):
    """The device ran out of memory and the job went on with smaller tiles (slower, same result)."""


@dataclass
class TileLimit:
    """The tile limit of one job, halved after each out-of-memory error and kept for the planes
    that follow; ``retries`` counts those errors (the verbs record both in the metadata)."""

    ndim: int
    limit: tuple[int, ...] = field(default=())
    retries: int = 0

    def __post_init__(self) -> None:
        self.limit = self.limit or (TILE_2D if self.ndim == 2 else TILE_3D)

    def halve(self, device, tile: Sequence[int]) -> None:
        """Halve ``tile`` (the tile that ran out of memory on ``device``: a small image's is
        below the limit) into the new limit, or refuse at the floor."""
        floor = MIN_TILE_2D if self.ndim == 2 else MIN_TILE_3D
        smaller = tuple(max(min(size, used) // 2, low)
                        for size, used, low in zip(self.limit, tile, floor))
        if smaller == tuple(self.limit):
            raise InvalidInput(
                f"{device} ran out of memory even with tiles of {_shape_text(self.limit)}; "
                "use device='cpu', a smaller image, or close other programs using the device")
        self.retries += 1
        if self.retries == 1:
            warnings.warn(f"{device} ran out of memory: retrying with smaller tiles "
                          f"({_shape_text(smaller)}); the job is slower, the result the same",
                          SmallerTilesWarning, stacklevel=2)
        self.limit = smaller


def tile_count(shape: tuple[int, ...], limit: Optional[Sequence[int]] = None) -> int:
    """How many tiles :func:`apply_model` cuts a ``shape`` block into (one progress step each)."""
    ndim = len(shape)
    return len(plan_tiles(shape, balanced_tile(shape, limit), (OVERLAP,) * ndim, (HALO,) * ndim))


def largest_tile(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The largest region :func:`apply_model` runs the network on at once: a tile and its halo."""
    return tuple(min(n, t + 2 * HALO) for n, t in zip(shape, balanced_tile(shape)))


def apply_model(model: LoadedModel, image: np.ndarray,
                reporter: Optional[ProgressReporter] = None,
                dtype: torch.dtype = torch.float32,
                tiles: Optional[TileLimit] = None,
                bounds: Optional[tuple[float, float]] = None,
                ) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """(restored, uncertainty or None) for one spatial block (Y, X) or (Z, Y, X).

    The network computes in ``dtype`` (`engine.precision`); the outputs are float32 either way.
    ``reporter`` gets one step per tile (see :func:`tile_count`) and may cancel between tiles
    and between the network's stages within a tile (`nets.stage_check`).
    A job of many calls runs them inside :func:`~napari_inverse.engine.memory.reuse_freed_memory`
    (the verbs do), so each call reuses the memory the previous one freed. An out-of-memory error
    reruns the block with ``tiles``' limit halved (one :class:`SmallerTilesWarning` per job); the
    reporter's total follows the new tile count. ``bounds`` (the card's
    :func:`~napari_inverse.engine.normalisation.spec_bounds` of a whole plane) replace the
    block's own: a chunk of a plane is then scaled as the whole plane is.
    """
    tiles = tiles or TileLimit(image.ndim)
    bounds = bounds or spec_bounds(image, model.card.normalisation)
    normalised = normalise(image, bounds)

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

    planned = tile_count(image.shape)  # what the reporter's total counted for this block
    while True:
        tile = balanced_tile(image.shape, tiles.limit)
        count = tile_count(image.shape, tiles.limit)
        if reporter is not None:
            reporter.recount(count - planned)
            first = reporter.done
        planned = count
        try:
            output = predict_tiled(normalised, process, tile, (OVERLAP,) * image.ndim,
                                   (HALO,) * image.ndim, reporter,
                                   align=family(model.card.family).multiple)
            break
        except OUT_OF_MEMORY:
            pass  # leaving the handler drops the traceback and the tensors its frames hold
        if reporter is not None:
            reporter.done = first  # the block's tiles run again
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        tiles.halve(model.device, tile)
    if output.ndim == image.ndim:
        return denormalise(output, bounds), None
    low, high = bounds
    return denormalise(output[0], bounds), (output[1] * (high - low)).astype(np.float32)


def balanced_tile(shape: Sequence[int],
                  limits: Optional[Sequence[int]] = None) -> tuple[int, ...]:
    """Equal tiles no larger than the limit: the fewest that cover each axis with the overlap.

    A fixed 1024 tile cut 2048 into three overlapping tiles per axis (2.5× the pixels to run);
    balanced, it is 3 × 694 at the 768 limit, and 512² runs as one tile.
    """
    limits = limits or (TILE_2D if len(shape) == 2 else TILE_3D)
    sizes = []
    for n, limit in zip(shape, limits):
        count = 1 if n <= limit else math.ceil((n - OVERLAP) / (limit - OVERLAP))
        sizes.append(math.ceil((n + (count - 1) * OVERLAP) / count))
    return tuple(sizes)


def _shape_text(shape: Sequence[int]) -> str:
    return " × ".join(str(n) for n in shape)
