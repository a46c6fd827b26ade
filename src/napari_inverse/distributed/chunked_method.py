"""A verb's method prepared for chunked work: its halo, what it computes once, what per chunk.

A verb's entry in :data:`~napari_inverse.distributed.registry.CHUNKED_VERBS` turns the verb's
options into one of these on the client. Everything in it is sent to the workers, so its
functions are module-level and its settings plain data (arrays, numbers, names).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np

# restore(block read with its halo, the method, its block's statistic, device, cancel,
#         the chunk's key "t.y.x": what seeds a stochastic method) -> {output name: array}
Restore = Callable[[np.ndarray, "ChunkedMethod", Any, str, Any, str], dict[str, np.ndarray]]
# statistic(a whole spatial block, the method) -> a small value the block's chunks share
Statistic = Callable[[np.ndarray, "ChunkedMethod"], Any]


@dataclass(frozen=True)
class OutputGrid:
    """How an output's grid follows the input's: ``zoom`` times finer along Y and X (a
    super-resolution), without the axes in ``drops`` (a focus map collapses Z)."""

    zoom: int = 1
    drops: str = ""

    def axes(self, axes: str) -> str:
        return "".join(a for a in axes if a not in self.drops)

    def shape(self, shape: Sequence[int], axes: str) -> tuple[int, ...]:
        return tuple(int(n) * (self.zoom if a in "YX" else 1)
                     for a, n in zip(axes, shape) if a not in self.drops)

    def region(self, region: Sequence[slice], axes: str) -> tuple[slice, ...]:
        """The output's region for the input's ``region`` (slices with start and stop)."""
        return tuple(slice(s.start * self.zoom, s.stop * self.zoom) if a in "YX" else s
                     for a, s in zip(axes, region) if a not in self.drops)

    def pixel_sizes(self, sizes: dict[str, float]) -> dict[str, float]:
        return {a: size / (self.zoom if a in "YX" else 1) for a, size in sizes.items()
                if a not in self.drops}


@dataclass(frozen=True)
class ChunkedMethod:
    """How one method runs chunk by chunk.

    ``halo``: pixels of context per spatial axis (``spatial_axes`` order) — the PSF's support,
    the network's receptive field. ``align``: the network's subsampling (chunks start on its
    grid). ``statistic``, when set, is computed once per spatial block before the chunks (a
    plane's percentiles, an iteration count chosen on the plane) so that every chunk of the
    block is processed as the whole block would be. ``outputs`` names what ``restore`` returns,
    "image" first, each with its grid. ``metadata`` (JSON) is recorded with the result.
    ``whole``: spatial axes every chunk reads whole, for a method that solves globally over
    them (phase retrieval's Poisson solve): such a method is chunked over the other axes only.
    """

    spatial_axes: str
    halo: tuple[int, ...]
    restore: Restore
    settings: dict[str, Any]
    metadata: dict[str, Any]
    align: int = 1
    statistic: Optional[Statistic] = None
    outputs: dict[str, OutputGrid] = field(default_factory=lambda: {"image": OutputGrid()})
    whole: str = ""
