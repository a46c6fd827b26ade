"""napari writer: save an image layer as OME-TIFF with its axes and physical pixel size.

The pixel size comes from the layer's metadata or its scale (µm), so a file read by this plugin's
reader, processed by a dock and saved again keeps its calibration.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .layer_optics import axes_of, pixel_sizes_nm

# Written as OME fields, or the previous file's own description: storing that again would nest
# one JSON description inside the next on every read-and-save.
_OWN_KEYS = ("axes", "pixel_size_nm", "description")


def write_image(path: str, data: Any, meta: dict) -> list[str]:
    """Write one image layer (``data``, napari's layer ``meta``) to ``path``; return the paths."""
    from ..io import write_ome_tiff

    rgb = bool(meta.get("rgb", False))
    metadata = dict(meta.get("metadata") or {})
    ndim = np.ndim(data) - rgb
    axes = axes_of(metadata, meta.get("axis_labels") or (), ndim, rgb)
    sizes = pixel_sizes_nm(metadata, meta.get("scale") or (1.0,) * ndim, meta.get("units"), axes)
    extra = {k: v for k, v in metadata.items() if k not in _OWN_KEYS}
    written = write_ome_tiff(path, data, axes, sizes, metadata=extra or None)
    return [str(written)]
