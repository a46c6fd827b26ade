"""The dask face: any verb chunk by chunk on threads, processes or a dask.distributed cluster.

``run_chunked(verb, image, output, chunk=…, scheduler=…, **verb_options)`` reads an OME-Zarr,
a TIFF or an array, runs the verb on every chunk with the halo its method needs (the PSF's
support, the network's receptive field) and writes an OME-Zarr chunk by chunk, resumably.
"""
from .pools import SCHEDULERS
from .registry import CHUNKED_VERBS
from .run import ChunkedRun, ChunkFailed, run_chunked
from .workers import pinned_device

__all__ = ["CHUNKED_VERBS", "SCHEDULERS", "ChunkFailed", "ChunkedRun", "pinned_device",
           "run_chunked"]
