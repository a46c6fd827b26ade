"""napari reader for TIFF and OME-Zarr: layers with the file's pixel size as scale (µm).

The file's axes, pixel sizes and any optics saved by this plugin's writer travel in the layer
metadata, so docks pre-fill their optics and the writer can save them again; a channel axis C
becomes one layer per channel. An OME-Zarr opens lazily, as a multiscale layer when it stores
several resolutions; a dock runs on it chunk by chunk when it is larger than memory.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Optional

SUFFIXES = (".tif", ".tiff")


def get_reader(path) -> Optional[Callable]:
    """Return :func:`read_layers` for one .tif/.tiff or .zarr path, None for anything else."""
    from ..io import is_ome_zarr_path

    if isinstance(path, (list, tuple)):
        return None
    return read_layers if str(path).lower().endswith(SUFFIXES) or is_ome_zarr_path(path) \
        else None


def read_layers(path) -> list[tuple]:
    """Read ``path`` into napari layer data, with ``channel_axis`` when the file has channels.

    A file that cannot be read is reported as a napari error notification (what is wrong and
    what to do) and opens nothing: napari's null-layer answer, so no other reader is tried and
    no traceback reaches the user.
    """
    from ..engine import InvalidInput
    from ..io import (is_ome_zarr_path, layer_scale, read_ome_zarr, read_ome_zarr_levels,
                      read_tiff)

    try:
        if is_ome_zarr_path(path):
            levels = read_ome_zarr_levels(path)
            image_file = read_ome_zarr(path)
        else:
            image_file = read_tiff(path)
            levels = [image_file.data]
    except (InvalidInput, OSError) as error:
        from napari.utils.notifications import show_error

        show_error(str(error))
        return [(None,)]
    axes = image_file.axes
    layer_axes = axes.replace("C", "").replace("S", "")
    metadata = {
        "axes": layer_axes,
        "pixel_size_nm": dict(image_file.pixel_size_nm),
        "file": dict(image_file.metadata),
    }
    optics = _saved_optics(image_file.metadata)
    if optics:
        metadata["optics"] = optics
    name = _stem(Path(str(path)))
    kwargs = {"name": name, "metadata": metadata, "rgb": axes.endswith("S"),
              "multiscale": len(levels) > 1}
    if "C" in axes:
        kwargs["channel_axis"] = axes.index("C")
        kwargs["scale"] = layer_scale(image_file, exclude="SC")
        channels = image_file.metadata.get("channel_names")
        if channels:
            kwargs["name"] = [f"{name} {channel}" for channel in channels]
    else:
        kwargs["scale"] = layer_scale(image_file)
    return [(levels if len(levels) > 1 else levels[0], kwargs, "image")]


def _saved_optics(file_metadata: dict) -> dict:
    """The "optics" this plugin's writer stored in the file's JSON description, if any."""
    try:
        saved = json.loads(file_metadata.get("description") or "{}")
    except ValueError:
        return {}
    optics = saved.get("optics") if isinstance(saved, dict) else None
    return optics if isinstance(optics, dict) else {}


def _stem(path: Path) -> str:
    """The file name without .tif, .tiff, .ome.tif, .ome.tiff, .ome.zarr or .zarr."""
    name = path.name
    for suffix in (".ome.tiff", ".ome.tif", ".tiff", ".tif", ".ome.zarr", ".zarr"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name
