"""Cut an image into chunks on a fixed grid: each written whole by one task, read with a halo.

Along the spatial axes the grid has ``chunk`` pixels per step; every other axis (T, C, and Z for
a plane-by-plane method) has one position per chunk, so a chunk lies in one spatial block. The
cores tile the image without overlap and match the output's stored chunks, so a task writes
whole stored chunks and no two tasks write the same bytes.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Sequence

from ..engine.validation import MIN_SPATIAL_SIZE, InvalidInput


@dataclass(frozen=True)
class Chunk:
    """One task's share of the image: ``core`` (what it writes) inside ``read`` (what it reads)."""

    index: tuple[int, ...]  # position on the chunk grid, one entry per axis
    core: tuple[slice, ...]
    read: tuple[slice, ...]

    @property
    def key(self) -> str:
        """The chunk's name in the manifest, e.g. "0.3.1"."""
        return ".".join(str(i) for i in self.index)

    @property
    def crop(self) -> tuple[slice, ...]:
        """Where the core lies inside the region read."""
        return tuple(slice(c.start - r.start, c.stop - r.start)
                     for c, r in zip(self.core, self.read))

    def block(self, axes: str, spatial_axes: str) -> tuple[int, ...]:
        """The spatial block (plane or stack) the chunk lies in: its non-spatial positions."""
        return tuple(c.start for a, c in zip(axes, self.core) if a not in spatial_axes)


def block_region(block: tuple[int, ...], axes: str, spatial_axes: str) -> tuple[slice, ...]:
    """The region of the whole spatial block at the non-spatial positions ``block``."""
    positions = iter(block)
    return tuple(slice(None) if a in spatial_axes else _one(next(positions))
                 for a in axes)


def chunk_shape(shape: Sequence[int], axes: str, spatial_axes: str, chunk: int,
                align: int = 1, whole: str = "") -> tuple[int, ...]:
    """The grid step per axis: ``chunk`` (at most the axis) along spatial axes, 1 elsewhere,
    and the whole axis along those in ``whole`` (an axis the method collapses).

    A chunk smaller than the axis must be a multiple of ``align``, the network's subsampling,
    so that every chunk's read region starts on the whole image's grid.
    """
    if chunk < MIN_SPATIAL_SIZE:
        raise InvalidInput(f"chunk {chunk} is too small; use at least {MIN_SPATIAL_SIZE} pixels "
                           "(typically 512 to 2048)")
    steps = []
    for axis, n in zip(axes, shape):
        step = int(n) if axis in whole else min(int(chunk), int(n)) if axis in spatial_axes \
            else 1
        if axis in spatial_axes and step < n and step % align:
            raise InvalidInput(f"chunk {chunk} must be a multiple of {align} for this method "
                               f"(its network subsamples by {align}); try "
                               f"{max(align, chunk // align * align)}")
        steps.append(step)
    return tuple(steps)


def plan_chunks(shape: Sequence[int], axes: str, spatial_axes: str, steps: Sequence[int],
                halo: Sequence[int]) -> list[Chunk]:
    """Every chunk of ``shape`` on the grid ``steps``, read with ``halo`` pixels (one entry per
    spatial axis, in ``spatial_axes`` order) on each side, clipped to the image."""
    halo_of = dict(zip(spatial_axes, halo))
    per_axis = []
    for axis, n, step in zip(axes, shape, steps):
        margin = int(halo_of.get(axis, 0))
        per_axis.append([(i, slice(start, min(start + step, n)),
                          slice(max(start - margin, 0), min(start + step + margin, n)))
                         for i, start in enumerate(range(0, n, step))])
    return [Chunk(tuple(p[0] for p in combo), tuple(p[1] for p in combo),
                  tuple(p[2] for p in combo))
            for combo in itertools.product(*per_axis)]


def rounded_halo(halo: Sequence[int], align: int) -> tuple[int, ...]:
    """``halo`` rounded up to multiples of ``align``: a read region starting a halo before a
    chunk on the grid then starts on the network's grid as well."""
    return tuple(int(math.ceil(h / align) * align) for h in halo)


def _one(position: int) -> slice:
    return slice(position, position + 1)
