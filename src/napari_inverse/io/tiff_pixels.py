"""The pixels of a TIFF series: read whole when small, a lazy dask array of planes when large.

A lazy series is read one TIFF page (one plane, usually YX) at a time, when a verb's loop or
napari's slider asks for it, so a stack larger than memory opens at once and is never held whole.
"""
from __future__ import annotations

import math
import os
import threading
import weakref
from pathlib import Path
from typing import Optional

import numpy as np
import tifffile

from ..engine.memory_budget import check_memory

LAZY_BYTES = 256 * 2**20
"""Series larger than this (256 MiB, e.g. 32 × 2048 × 2048 uint16) are read lazily."""


def series_pixels(tif: tifffile.TiffFile, series, lazy: Optional[bool] = None):
    """The pixels of ``series`` (of the open ``tif``) in its own shape and dtype.

    ``lazy`` None reads them into a numpy array up to :data:`LAZY_BYTES` and as a dask array
    with one chunk per page above; True or False forces either.
    """
    if not (series.nbytes > LAZY_BYTES if lazy is None else lazy):
        path = tif.filehandle.path
        check_memory(series.nbytes, f"reading '{path}' ({series.shape}, {series.dtype})")
        return series.asarray()
    import dask.array as da  # here: dask costs a second to import, small files never need it
    from dask.base import tokenize

    path = Path(tif.filehandle.path)
    plane_shape = tuple(series.keyframe.shape)
    planes = series.size // math.prod(plane_shape)
    reader = _PlaneReader(path, plane_shape, series.dtype)
    stat = os.stat(path)
    lazy_planes = da.map_blocks(
        reader.block, chunks=((1,) * planes, *((n,) for n in plane_shape)), dtype=series.dtype,
        meta=np.empty((0,) * (1 + len(plane_shape)), series.dtype),
        # a name from the file's identity: napari's dask cache never serves an older version
        name="tiff-planes-" + tokenize(str(path), stat.st_mtime_ns, stat.st_size))
    return lazy_planes.reshape(series.shape)


class _PlaneReader:
    """Reads plane ``i`` of a TIFF's first series: one page, or one page-sized run of bytes
    where the series is stored contiguously (ImageJ hyperstacks list only their first page).

    The file is opened at the first read and kept open until the reader is garbage-collected,
    so the pages are parsed once; a lock serialises reads from napari's and a verb's threads.
    """

    def __init__(self, path: Path, plane_shape: tuple[int, ...], dtype) -> None:
        self._path = path
        self._plane_shape = plane_shape
        self._dtype = np.dtype(dtype)
        self._lock = threading.Lock()
        self._tif: Optional[tifffile.TiffFile] = None

    def block(self, block_info=None) -> np.ndarray:
        """The chunk dask asks for: plane number ``chunk-location[0]``, with its leading axis."""
        return self.plane(block_info[None]["chunk-location"][0])[None]

    def plane(self, index: int) -> np.ndarray:
        with self._lock:
            if self._tif is None:
                self._tif = tifffile.TiffFile(self._path)
                weakref.finalize(self, self._tif.close)
            tif = self._tif
            series = tif.series[0]
            if series.dataoffset is None:
                return series.pages[index].asarray().reshape(self._plane_shape)
            count = math.prod(self._plane_shape)
            tif.filehandle.seek(series.dataoffset + index * count * self._dtype.itemsize)
            stored = tif.filehandle.read_array(self._dtype.newbyteorder(tif.byteorder), count)
        return stored.astype(self._dtype, copy=False).reshape(self._plane_shape)
