"""Turn a verb's output into an image layer that sits exactly on its source layer.

The output takes the source's scale, translate, rotation, shear, affine, units and look
(colormap, gamma, blending), and inherits its metadata (axes, pixel size, file information)
so the next dock pre-fills from it too. It is named ``<source> · <method>`` and its contrast
comes from its own percentiles, not the source's (a deconvolved image is brighter and peakier).
Re-running replaces the data of the layer with the same name instead of piling up copies.
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np
from napari.layers import Image

_GEOMETRY = ("scale", "translate", "rotate", "shear", "affine", "units", "axis_labels")
_LOOK = ("colormap", "gamma", "blending")
UNCERTAINTY_COLORMAP = "inferno"
UNCERTAINTY_SUFFIX = " · uncertainty (1σ)"
SPREAD_SUFFIX = " · sample spread (not calibrated)"
CONTRAST_PERCENTILES = (0.5, 99.8)  # clip the few hot pixels a deconvolution sharpens further
_CONTRAST_SAMPLES = 1_000_000  # a strided sample of a big stack gives the same percentiles


def result_name(source_name: str, method: str) -> str:
    """The result layer's name: the source's, then the model or method that made it."""
    return f"{source_name} · {method}"


def robust_contrast_limits(data: np.ndarray) -> tuple[float, float]:
    """Contrast limits at :data:`CONTRAST_PERCENTILES` of ``data``'s finite values, so one hot
    pixel does not darken the whole result; a flat image gets a range one wide."""
    if not isinstance(data, np.ndarray):  # lazy (a chunked result): read a strided sample only
        stride = max(1, math.ceil((data.size / _CONTRAST_SAMPLES) ** (1 / data.ndim)))
        data = data[(slice(None, None, stride),) * data.ndim]
    flat = np.asarray(data).ravel()
    flat = flat[::max(1, flat.size // _CONTRAST_SAMPLES)]
    flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        return 0.0, 1.0
    low, high = (float(v) for v in np.percentile(flat, CONTRAST_PERCENTILES))
    return (low, high) if high > low else (low, low + 1.0)


def show_result(viewer, source: Image, data: np.ndarray, name: str,
                metadata: dict[str, Any], kept_axes: Optional[Sequence[int]] = None,
                colormap: Optional[str] = None) -> Image:
    """Show ``data`` as layer ``name`` on ``source``'s grid with its own contrast;
    ``metadata`` merged over the source's. ``kept_axes`` are the source's axes the data keeps
    when a verb drops some (a phase has no Z): their scale, translate, units and labels are
    taken, and the layer is unrotated. ``colormap`` replaces the source's."""
    merged = {**source.metadata, **metadata}
    geometry = _geometry(source, kept_axes)
    existing = viewer.layers[name] if name in viewer.layers else None
    if isinstance(existing, Image) and existing.ndim == data.ndim and not existing.rgb:
        existing.data = data
        existing.metadata = merged
        for attribute, value in geometry.items():
            setattr(existing, attribute, value)
        existing.reset_contrast_limits()  # the range follows the new data
        existing.contrast_limits = robust_contrast_limits(data)
        return existing
    if existing is not None:
        viewer.layers.remove(existing)
    look = {attribute: getattr(source, attribute) for attribute in _LOOK}
    if colormap is not None:
        look["colormap"] = colormap
    layer = viewer.add_image(data, name=name, metadata=merged, **geometry, **look)
    layer.contrast_limits = robust_contrast_limits(data)  # the slider still spans the data
    return layer


def show_uncertainty(viewer, source: Image, extras: dict[str, Any], result: Image,
                     metadata: dict[str, Any], visible: bool,
                     kept_axes: Optional[Sequence[int]] = None) -> Image:
    """σ of a sampled result as an overlay on ``result``: a perceptual colormap, additive
    blending, contrast from its own percentiles. Named with :data:`UNCERTAINTY_SUFFIX` when the
    verb calibrated it, else with :data:`SPREAD_SUFFIX` (the model's spread is not trusted)."""
    calibrated = "uncertainty" in extras
    uncertainty = extras["uncertainty" if calibrated else "sample_spread"]
    suffix = UNCERTAINTY_SUFFIX if calibrated else SPREAD_SUFFIX
    overlay = show_result(viewer, source, uncertainty, result.name + suffix,
                          {"napari_inverse": {"uncertainty_of": result.name, **metadata}},
                          kept_axes)
    overlay.colormap, overlay.blending = UNCERTAINTY_COLORMAP, "additive"
    overlay.contrast_limits = robust_contrast_limits(uncertainty)
    overlay.visible = visible
    return overlay


def toggle_uncertainty(viewer, visible: bool) -> None:
    """Show or hide every uncertainty overlay."""
    for layer in viewer.layers:
        if layer.name.endswith((UNCERTAINTY_SUFFIX, SPREAD_SUFFIX)):
            layer.visible = visible


def _geometry(source: Image, kept_axes: Optional[Sequence[int]]) -> dict[str, Any]:
    if kept_axes is None:
        return {attribute: getattr(source, attribute) for attribute in _GEOMETRY}
    kept = list(kept_axes)
    return {"scale": np.asarray(source.scale)[kept],
            "translate": np.asarray(source.translate)[kept],
            "units": [source.units[i] for i in kept],
            "axis_labels": [source.axis_labels[i] for i in kept]}
