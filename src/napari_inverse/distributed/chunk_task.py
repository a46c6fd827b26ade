"""The work of one task on a worker: read a chunk with its halo, restore it, write its core.

These functions run on the workers (threads or processes); they take the job as a
:class:`ChunkTask`, which holds paths and plain settings only, so it pickles in a few kilobytes.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from ..engine.validation import check_finite
from ..io.ome_zarr import FULL_RESOLUTION
from .chunk_plan import Chunk
from .chunked_method import ChunkedMethod
from .manifest import Manifest
from .workers import worker_device


@dataclass(frozen=True)
class ChunkTask:
    """What every chunk of one job shares: where to read and write, and the prepared method."""

    source: Any  # sources.FileSource or sources.ArraySource
    axes: str
    method: ChunkedMethod
    outputs: dict[str, str]  # output name → path of its OME-Zarr image
    output: str  # the main output, which holds the manifest
    device: str


def process_chunk(task: ChunkTask, chunk: Chunk, statistic, cancel=None) -> float:
    """Restore ``chunk`` and store its core in every output, then mark it written; return the
    seconds it took. ``cancel`` reaches the verb on the local threads only."""
    import zarr

    from ..zoo.registry import keeping_device_models

    started = time.perf_counter()
    block = _spatial(task.source.read(chunk.read), task.axes, task.method.spatial_axes)
    check_finite(block)
    with keeping_device_models():  # verbs run whole per chunk load their network once
        produced = task.method.restore(block, task.method, statistic,
                                       worker_device(task.device), cancel, chunk.key)
    spatial_axes = task.method.spatial_axes
    crop = tuple(c for a, c in zip(task.axes, chunk.crop) if a in spatial_axes)
    for name, path in task.outputs.items():
        grid = task.method.outputs[name]
        core = grid.region(chunk.core, task.axes)
        piece = produced[name][grid.region(crop, spatial_axes)]
        stored = zarr.open_array(path, path=FULL_RESOLUTION, mode="r+")
        stored[core] = np.asarray(piece, np.float32).reshape([s.stop - s.start for s in core])
    Manifest(task.output).mark_written(chunk.key)
    return time.perf_counter() - started


def block_statistic(task: ChunkTask, block: tuple[slice, ...]) -> Optional[Any]:
    """The method's statistic of one whole spatial block (a plane's percentiles, say)."""
    data = _spatial(task.source.read(block), task.axes, task.method.spatial_axes)
    check_finite(data)
    return task.method.statistic(data, task.method)


def _spatial(region, axes: str, spatial_axes: str) -> np.ndarray:
    """A region one position long on every non-spatial axis, as a float32 (Z)YX block."""
    region = np.asarray(region, dtype=np.float32)
    return region.reshape([n for a, n in zip(axes, region.shape) if a in spatial_axes])
