"""Tiled processing for 2-D and 3-D images of any size, with a context halo and smooth blending.

Each tile is read with a halo of real neighbouring pixels (so a PSF or a receptive field sees
what it would see untiled), processed, cropped back to its core, and blended into the output
with weights that ramp smoothly across the overlap between neighbouring cores, so no seam shows.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .progress import ProgressReporter


@dataclass(frozen=True)
class Tile:
    read: tuple[slice, ...]  # region read from the image (core + halo, clipped to the image)
    core: tuple[slice, ...]  # region of the output this tile writes
    crop: tuple[slice, ...]  # the core's position inside the processed read region
    ramps: tuple[np.ndarray, ...]  # blending weights along each axis of the core

    @property
    def weight(self) -> np.ndarray:
        """Blending weights over the core, the product of the ramps. Built only when asked:
        planning (and counting) the one tile of a 256×512² stack built a full-size array."""
        ndim = len(self.ramps)
        weight = np.ones((1,) * ndim, dtype=np.float32)
        for axis, ramp in enumerate(self.ramps):
            weight = weight * ramp.reshape([-1 if a == axis else 1 for a in range(ndim)])
        return weight


def plan_tiles(
    shape: Sequence[int], tile_shape: Sequence[int], overlap: Sequence[int], halo: Sequence[int],
    align: int = 1,
) -> list[Tile]:
    """Cut ``shape`` into cores of at most ``tile_shape`` overlapping by ``overlap``.

    Every pixel is covered; the last core along an axis is moved back to end at the border
    instead of shrinking, so every tile has the same size. Each read region starts at a
    multiple of ``align`` (its halo grows by up to ``align - 1``): networks that subsample
    (m-rBCR's ``x[::4, ::4]``, a U-Net's pooling) then see every tile on the whole image's grid.
    """
    shape = tuple(int(s) for s in shape)
    if not (len(tile_shape) == len(overlap) == len(halo) == len(shape)):
        raise ValueError("tile_shape, overlap and halo need one entry per spatial axis")
    per_axis = [
        _axis_tiles(n, min(int(t), n), int(o), int(h), int(align))
        for n, t, o, h in zip(shape, tile_shape, overlap, halo)
    ]
    tiles = []
    for combo in itertools.product(*per_axis):
        read = tuple(c[0] for c in combo)
        core = tuple(c[1] for c in combo)
        crop = tuple(slice(k.start - r.start, k.stop - r.start) for r, k in zip(read, core))
        tiles.append(Tile(read, core, crop, tuple(c[2] for c in combo)))
    return tiles


def predict_tiled(
    image: np.ndarray,
    process: Callable[[np.ndarray], np.ndarray],
    tile_shape: Sequence[int],
    overlap: Sequence[int],
    halo: Sequence[int],
    reporter: ProgressReporter | None = None,
    align: int = 1,
    channel_axes: int = 0,
) -> np.ndarray:
    """Apply ``process`` tile by tile; return the blended result.

    ``process`` maps a block to the same shape, or to ``(channels, *block.shape)`` for methods
    with several outputs per pixel (a restoration and its uncertainty, say); the result then has
    that leading channel axis. Memory is the output, one weight sum and one tile: an 8192² image
    never exists as a full-size FFT buffer. ``align``: see :func:`plan_tiles`. The image's first
    ``channel_axes`` axes are channels, read whole with every tile (a condition of several
    planes); only the others are tiled and returned.
    """
    spatial = tuple(image.shape[channel_axes:])
    tiles = plan_tiles(spatial, tile_shape, overlap, halo, align)
    if len(tiles) == 1:
        return np.asarray(process(np.asarray(image, dtype=np.float32)), dtype=np.float32)
    output = None
    weight_sum = np.zeros(spatial, dtype=np.float32)
    whole = (slice(None),) * channel_axes
    for tile in tiles:
        if reporter is not None:
            reporter.check_cancel()
        result = np.asarray(process(np.asarray(image[whole + tile.read], dtype=np.float32)))
        leading = result.shape[: result.ndim - len(spatial)]
        if output is None:
            output = np.zeros(leading + spatial, dtype=np.float32)
        weight = tile.weight
        output[(Ellipsis,) + tile.core] += result[(Ellipsis,) + tile.crop] * weight
        weight_sum[tile.core] += weight
    np.divide(output, weight_sum, out=output)
    return output


def _axis_tiles(n: int, size: int, overlap: int, halo: int,
                align: int) -> list[tuple[slice, slice, np.ndarray]]:
    overlap = min(overlap, size - 1) if size > 1 else 0
    stride = max(size - overlap, 1)
    starts = list(range(0, max(n - size, 0) + 1, stride))
    if starts[-1] + size < n:
        starts.append(n - size)
    tiles = []
    for i, start in enumerate(starts):
        stop = start + size
        read_start = max(start - halo, 0)
        read = slice(read_start - read_start % align, min(stop + halo, n))
        ramp = np.ones(size, dtype=np.float32)
        if len(starts) > 1 and overlap > 0:
            rising = _smooth_ramp(overlap)
            if i > 0:
                ramp[:overlap] = rising
            if i < len(starts) - 1:
                ramp[-overlap:] = rising[::-1]
        tiles.append((read, slice(start, stop), ramp))
    return tiles


def _smooth_ramp(length: int) -> np.ndarray:
    """Weights rising from near 0 to near 1 over ``length`` pixels (sin², never exactly 0)."""
    t = (np.arange(length, dtype=np.float32) + 0.5) / length
    return np.sin(0.5 * np.pi * t) ** 2
