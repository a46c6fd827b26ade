"""Reading and writing microscopy files with their physical calibration (no Qt, no napari).

The napari reader and writer and the command line all go through these functions, so a pixel
size read from a file reaches the verbs' Optics and napari's layer scale the same way.
"""
from .calibration import layer_scale, optics_from_image_file, pixel_size_from_scale
from .image_file import ImageFile
from .tiff_reader import TiffHeader, read_tiff, read_tiff_header
from .tiff_writer import write_ome_tiff

__all__ = [
    "ImageFile",
    "TiffHeader",
    "layer_scale",
    "optics_from_image_file",
    "pixel_size_from_scale",
    "read_tiff",
    "read_tiff_header",
    "write_ome_tiff",
]
