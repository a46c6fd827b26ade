"""Turn a verb's output into an image layer that sits exactly on its source layer.

The output takes the source's scale, translate, rotation, shear, affine, units and look
(colormap, gamma, blending), and inherits its metadata (axes, pixel size, file information)
so the next dock pre-fills from it too. It is named ``<source> · <method>``.
Re-running replaces the data of the layer with the same name instead of piling up copies.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from napari.layers import Image

_GEOMETRY = ("scale", "translate", "rotate", "shear", "affine", "units", "axis_labels")
_LOOK = ("colormap", "gamma", "blending")


def result_name(source_name: str, method: str) -> str:
    """The result layer's name: the source's, then the model or method that made it."""
    return f"{source_name} · {method}"


def show_result(viewer, source: Image, data: np.ndarray, name: str,
                metadata: dict[str, Any]) -> Image:
    """Show ``data`` as layer ``name`` on ``source``'s grid; ``metadata`` merged over the
    source's."""
    merged = {**source.metadata, **metadata}
    existing = viewer.layers[name] if name in viewer.layers else None
    if isinstance(existing, Image) and existing.ndim == data.ndim and not existing.rgb:
        existing.data = data
        existing.metadata = merged
        for attribute in _GEOMETRY:
            setattr(existing, attribute, getattr(source, attribute))
        existing.reset_contrast_limits()
        return existing
    if existing is not None:
        viewer.layers.remove(existing)
    properties = {attribute: getattr(source, attribute) for attribute in _GEOMETRY + _LOOK}
    return viewer.add_image(data, name=name, metadata=merged, **properties)
