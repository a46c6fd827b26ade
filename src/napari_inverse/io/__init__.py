"""Reading and writing microscopy files (TIFF, OME-Zarr) with their calibration, without Qt.

The napari reader and writer and the command line all go through these functions, so a pixel
size read from a file reaches the verbs' Optics and napari's layer scale the same way.
"""
from .calibration import layer_scale, optics_from_image_file, pixel_size_from_scale
from .image_file import ImageFile
from .ome_zarr import create_ome_zarr, is_ome_zarr_path, read_ome_zarr, read_ome_zarr_levels
from .read_image import read_image
from .tiff_reader import TiffHeader, read_tiff, read_tiff_header
from .tiff_writer import write_ome_tiff

__all__ = [
    "ImageFile",
    "TiffHeader",
    "create_ome_zarr",
    "is_ome_zarr_path",
    "layer_scale",
    "optics_from_image_file",
    "pixel_size_from_scale",
    "read_image",
    "read_ome_zarr",
    "read_ome_zarr_levels",
    "read_tiff",
    "read_tiff_header",
    "write_ome_tiff",
]
