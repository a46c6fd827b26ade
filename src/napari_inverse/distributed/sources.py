"""Where a chunked job reads its pixels: an OME-Zarr or TIFF by path, or an array in memory.

A file source holds only its path, so it travels to worker processes as a few bytes; each
worker opens the file itself at its first chunk (an open TIFF cannot be sent between
processes) and reads only the regions its chunks ask for.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..io import ImageFile, is_ome_zarr_path, read_image

_open_files: dict = {}  # per worker process: path → the lazily read image
_open_lock = threading.Lock()


@dataclass(frozen=True)
class FileSource:
    """An OME-Zarr or TIFF file, opened once per worker and read region by region."""

    path: str
    local_only = False

    def read(self, region: tuple[slice, ...]) -> np.ndarray:
        image = self._image()
        if is_ome_zarr_path(self.path):  # straight from the store: only the chunks it covers
            import zarr

            dataset = image.metadata["dataset"]
            return zarr.open_array(self.path, path=dataset, mode="r")[region]
        piece = image.data[region]
        return np.asarray(piece.compute(scheduler="sync") if hasattr(piece, "compute") else piece)

    def identity(self) -> dict[str, Any]:
        stat = Path(self.path).stat()
        return {"path": str(Path(self.path).resolve()), "modified_ns": stat.st_mtime_ns}

    def _image(self) -> ImageFile:
        with _open_lock:
            image = _open_files.get(self.path)
            if image is None:
                image = _open_files[self.path] = read_image(self.path, lazy=True)
        return image


@dataclass(frozen=True, eq=False)
class ArraySource:
    """A numpy or dask array of this process (a napari layer): for the local threads only."""

    array: Any
    local_only = True

    def read(self, region: tuple[slice, ...]) -> np.ndarray:
        return np.asarray(self.array[region])

    def identity(self) -> dict[str, Any]:
        """A dask array's name (a token of its source and graph), or a numpy array's digest."""
        name = getattr(self.array, "name", None)
        if name is None:
            import hashlib

            name = hashlib.sha256(np.ascontiguousarray(self.array).data).hexdigest()
        return {"array": str(name), "shape": list(self.array.shape)}


def open_source(image, axes) -> tuple[Any, ImageFile]:
    """The source for ``image`` (a path, or a numpy or dask array) and what is known of it."""
    if isinstance(image, (str, Path)):
        image_file = read_image(image, lazy=True)
        if axes:
            image_file = replace(image_file, axes=axes.upper())
        return FileSource(str(image)), image_file
    from ..engine.axes import normalise_axes

    return ArraySource(image), ImageFile(image, normalise_axes(axes, tuple(image.shape)))
