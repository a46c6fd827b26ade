"""Open any image file the project reads, TIFF or OME-Zarr, chosen by the file's name."""
from __future__ import annotations

from typing import Optional

from .image_file import ImageFile
from .ome_zarr import is_ome_zarr_path, read_ome_zarr
from .tiff_reader import read_tiff


def read_image(path, lazy: Optional[bool] = None) -> ImageFile:
    """The image at ``path``: an OME-Zarr (always lazy) or a TIFF (lazy when large or asked)."""
    return read_ome_zarr(path) if is_ome_zarr_path(path) else read_tiff(path, lazy)
