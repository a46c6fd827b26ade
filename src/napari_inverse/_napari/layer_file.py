"""The calibration a layer's TIFF states, for a layer whose reader left it uncalibrated.

napari's own reader (what ``viewer.open`` and File → Open may choose) ignores a TIFF's pixel
size, so its layers have a scale of 1; the file they came from (``layer.source.path``) still
says 60 nm. Only the header is read, once per file version, and only for such layers.
"""
from __future__ import annotations

import functools
import logging
import os
from typing import Optional

from ..io import TiffHeader, read_tiff_header

TIFF_SUFFIXES = (".tif", ".tiff")

log = logging.getLogger(__name__)


def layer_source_tiff(layer) -> Optional[str]:
    """The path of the TIFF ``layer`` was opened from, or None (not a file, not a TIFF)."""
    path = getattr(getattr(layer, "source", None), "path", None)
    return str(path) if path and str(path).lower().endswith(TIFF_SUFFIXES) else None


def file_calibration(layer) -> Optional[TiffHeader]:
    """The header of the TIFF ``layer`` was opened from, when the layer has a scale of 1 in
    pixel units and the file's Y and X sizes are the layer's; None otherwise, or when the file
    cannot be read (gone or damaged since: logged, the layer simply stays uncalibrated)."""
    path = layer_source_tiff(layer)
    if path is None or not _unit_scale(layer):
        return None
    try:
        status = os.stat(path)
        header = _read_header(path, status.st_mtime_ns, status.st_size)
    except (OSError, ValueError) as error:
        log.warning("cannot read the calibration of %s: %s", path, error)
        return None
    return header if _same_plane(header, layer) else None


@functools.lru_cache(maxsize=64)
def _read_header(path: str, _mtime_ns: int, _size: int) -> TiffHeader:
    """Cached per file version: docks ask on every change of layer, method or field."""
    return read_tiff_header(path)


def _unit_scale(layer) -> bool:
    """True when napari knows nothing of the layer's sampling: scale 1 and no physical unit."""
    units = layer.units or ()
    physical = any(unit is not None and unit.is_compatible_with("nanometer") for unit in units)
    return not physical and all(float(value) == 1.0 for value in layer.scale)


def _same_plane(header: TiffHeader, layer) -> bool:
    """The file's Y and X sizes are the layer's last two (before RGB samples)."""
    data = layer.data[0] if layer.multiscale else layer.data
    shape = tuple(data.shape[:-1] if layer.rgb else data.shape)
    plane = tuple(header.shape[header.axes.index(axis)] for axis in "YX")
    return len(shape) >= 2 and shape[-2:] == plane
