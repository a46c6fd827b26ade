"""Read and create OME-Zarr images (NGFF) with their axes and pixel sizes, through ``ome-zarr``.

Reading is lazy: every resolution level is a dask array over the stored chunks, so a stack
larger than memory opens at once. Creating writes the metadata and an empty full-resolution
array whose chunks a chunked job then fills one by one (`napari_inverse.distributed`).
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Optional, Sequence

from ..engine.axes import checked_axes
from ..engine.validation import InvalidInput
from .image_file import ImageFile
from .units import nm_per_unit

SUFFIXES = (".ome.zarr", ".zarr")
FULL_RESOLUTION = "0"  # the dataset path this module writes its one level to
_AXIS_TYPES = {"T": "time", "C": "channel", "Z": "space", "Y": "space", "X": "space"}


def is_ome_zarr_path(path) -> bool:
    """Whether ``path`` names an OME-Zarr image by its suffix (.ome.zarr or .zarr)."""
    return str(path).rstrip("/\\").lower().endswith(SUFFIXES)


def read_ome_zarr(path) -> ImageFile:
    """The full-resolution level of the OME-Zarr image at ``path``, lazily, with its calibration.

    ``metadata`` records "source", "format", "levels" (how many resolutions are stored) and
    "dataset" (the path of the full-resolution array inside the group).
    """
    node, datasets = _image_node(path)
    axes = _axes(node.metadata.get("axes", []), node.data[0].shape, path)
    scale = _scale(node.metadata.get("coordinateTransformations"), len(axes))
    units = {axis["name"].upper(): axis.get("unit") for axis in node.metadata.get("axes", [])}
    pixel_size_nm = {}
    for letter, size in zip(axes, scale):
        factor = nm_per_unit(units.get(letter))
        if letter in "ZYX" and factor is not None and size is not None:
            pixel_size_nm[letter] = float(size) * factor
    metadata = {"source": str(path), "format": "OME-Zarr", "levels": len(node.data),
                "dataset": datasets[0]}
    return ImageFile(node.data[0], axes, pixel_size_nm, metadata)


def read_ome_zarr_levels(path) -> list:
    """Every resolution level of the image at ``path`` as a lazy dask array, largest first."""
    return list(_image_node(path)[0].data)


def create_ome_zarr(path, shape: Sequence[int], axes: str, pixel_size_nm: dict[str, float],
                    chunks: Sequence[int], attributes: Optional[dict[str, Any]] = None):
    """Create an OME-Zarr image of float32 zeros at ``path``; return its full-resolution array.

    Spatial axes are stored in micrometres (the pixel sizes given in nm), other axes with scale
    1. ``attributes`` (JSON) are kept beside the NGFF metadata under "napari_inverse".
    """
    import zarr

    with warnings.catch_warnings():  # ome-zarr 0.18 deprecates a default of its own at import
        warnings.simplefilter("ignore", DeprecationWarning)
        from ome_zarr.writer import write_multiscales_metadata

    axes = checked_axes(axes, tuple(shape))
    group = zarr.open_group(str(path), mode="w")
    array = group.create_array(FULL_RESOLUTION, shape=tuple(int(n) for n in shape),
                               chunks=tuple(int(c) for c in chunks), dtype="float32",
                               fill_value=0.0)
    scale = [pixel_size_nm[a] / 1000.0 if a in pixel_size_nm else 1.0 for a in axes]
    write_multiscales_metadata(
        group, [{"path": FULL_RESOLUTION,
                 "coordinateTransformations": [{"type": "scale", "scale": scale}]}],
        axes=[_axis_entry(letter, letter in pixel_size_nm) for letter in axes])
    if attributes:
        group.attrs["napari_inverse"] = attributes
    return array


def _axis_entry(letter: str, calibrated: bool) -> dict:
    entry = {"name": letter.lower(), "type": _AXIS_TYPES[letter]}
    if calibrated:
        entry["unit"] = "micrometer"
    return entry


def _image_node(path):
    """The first image (multiscales) node under ``path`` and its dataset paths; refused with
    the reason when ``path`` is missing or holds no OME-Zarr image."""
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Multiscales, Reader

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such OME-Zarr: '{path}'; check the path")
    location = parse_url(str(path))
    nodes = [] if location is None else [n for n in Reader(location)() if n.load(Multiscales)]
    if not nodes:
        raise InvalidInput(f"'{path}' holds no OME-Zarr image (no 'multiscales' metadata); "
                           "write it with ome-zarr, bioformats2raw or napari-inverse")
    node = nodes[0]
    return node, node.load(Multiscales).datasets


def _axes(entries: list, shape: tuple[int, ...], path) -> str:
    names = [entry if isinstance(entry, str) else entry["name"] for entry in entries]
    letters = "".join(name.upper() for name in names)
    if not names or any(len(name) != 1 for name in names):
        raise InvalidInput(f"'{path}' names its axes {names}; napari-inverse reads OME-Zarr "
                           "images with axes among t, c, z, y, x")
    return checked_axes(letters, shape)


def _scale(transformations: Optional[list], ndim: int) -> list[Optional[float]]:
    """The full-resolution level's scale per axis (None where the file states none)."""
    for transformation in (transformations or [[]])[0]:
        if transformation.get("type") == "scale":
            return [float(v) for v in transformation["scale"]]
    return [None] * ndim
