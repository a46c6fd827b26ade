"""A dock's job on a layer larger than memory: the verb chunk by chunk on local threads, its
result an OME-Zarr in the temporary folder that the result layer reads lazily.

The same face as the command line's and a cluster's (`napari_inverse.distributed`); running the
same job again after a Cancel resumes with the chunks not yet written.
"""
from __future__ import annotations

from typing import Callable

IN_MEMORY_FRACTION = 0.25
"""A dask-backed layer whose float32 copy would need more than this share of the free memory
runs chunk by chunk (the in-memory path holds the input, the result and working buffers)."""


def runs_in_chunks(verb: Callable, data) -> bool:
    """Whether a dock's job of ``verb`` on ``data`` goes chunk by chunk: a verb the dask face
    knows, on a lazy (dask) layer too large to restore in memory."""
    from ..distributed import CHUNKED_VERBS
    from ..engine.memory_budget import available_memory_bytes

    if not hasattr(data, "dask") or verb.__name__ not in CHUNKED_VERBS:
        return False
    available = available_memory_bytes()
    return available is not None and data.size * 4 > IN_MEMORY_FRACTION * available


def chunked_job(verb: Callable, data, axes: str, method: str, device: str,
                options: dict) -> Callable:
    """``job(progress, cancel)`` running ``verb`` on ``data`` chunk by chunk; its Result's
    image is the written OME-Zarr, read lazily."""
    def job(progress, cancel):
        from ..distributed import run_chunked

        return run_chunked(verb.__name__, data, axes=axes, scheduler="threads",
                           progress=progress, cancel=cancel, method=method, device=device,
                           **options).result()

    return job
