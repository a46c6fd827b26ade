"""What an image layer tells about its axes, sampling and optics, for docks and the writer.

Sources, best first: ``metadata["axes"]``, ``["pixel_size_nm"]`` and ``["optics"]`` (written by
this plugin's reader, sample data and results), then the layer's axis labels and scale — in its
units when napari knows them, else read as micrometres, napari's usual convention for
microscopy. A scale of 1 in pixel units means "not calibrated": then the TIFF the layer was
opened from is asked (another reader may have dropped its calibration, see ``layer_file``), and
failing that nothing is known, so a dock keeps what the user typed and says it is a guess.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from ..engine.axes import AXIS_LETTERS, DEFAULT_AXES
from .layer_file import file_calibration, layer_source_tiff

OPTICS_KEYS = ("na", "wavelength_nm", "refractive_index")
PIXEL_SIZE_LABEL = "pixel size (nm)"


def axes_of(metadata: dict, axis_labels: Sequence[str], ndim: int, rgb: bool,
            file_axes: str = "") -> Optional[str]:
    """Axes letters of the data (e.g. "ZYX"; "YXS" when ``rgb``), or None if unknown.

    ``ndim`` counts the layer's dimensions without RGB samples. Taken from ``metadata["axes"]``,
    then from letter-like axis labels, then from the axes its file states (``file_axes``), then
    guessed by dimension as the verbs do.
    """
    candidates = (
        str(metadata.get("axes", "")).upper(),
        "".join(str(label) for label in axis_labels).upper(),
        file_axes.replace("S", ""),
    )
    axes = next((c for c in candidates if _valid_axes(c, ndim)), DEFAULT_AXES.get(ndim))
    return axes + "S" if axes is not None and rgb else axes


def pixel_sizes_nm(metadata: dict, scale: Sequence[float], units, axes: str) -> dict[str, float]:
    """Known sampling of X, Y and Z in nm: ``metadata["pixel_size_nm"]``, else the scale.

    ``scale`` and ``units`` (pint units or None) have one entry per axis of ``axes`` without S.
    """
    recorded = _recorded_sizes(metadata.get("pixel_size_nm"))
    letters = axes.replace("S", "")
    units = units or (None,) * len(letters)
    sizes = {}
    for axis, value, unit in zip(letters, scale, units):
        if axis in "XYZ":
            size = recorded.get(axis) or _scale_nm(float(value), unit)
            if size:
                sizes[axis] = size
    return sizes


def layer_axes(layer) -> Optional[str]:
    """Axes letters of ``layer.data``; see :func:`axes_of`."""
    header = file_calibration(layer)
    return axes_of(layer.metadata, layer.axis_labels, layer.ndim, layer.rgb,
                   header.axes if header is not None else "")


def layer_pixel_sizes_nm(layer) -> dict[str, float]:
    """The sampling ``layer`` states for X, Y and Z, in nm: its own (see :func:`pixel_sizes_nm`),
    else what its TIFF states."""
    return _sizes_and_source(layer)[0]


def pixel_size_source(layer) -> Optional[str]:
    """Where the layer's pixel size comes from: "the file" (read by this plugin's reader, or
    from the TIFF another reader opened), "the layer scale", or None when it is not known."""
    return _sizes_and_source(layer)[1]


def pixel_size_caption(layer) -> tuple[str, Optional[str]]:
    """The label and tooltip of a dock's pixel-size field for ``layer`` (None: no layer chosen):
    where the value came from, or that it is the field's guess and what to enter instead."""
    if layer is None:
        return PIXEL_SIZE_LABEL, None
    source = pixel_size_source(layer)
    if source is None:
        return (f"{PIXEL_SIZE_LABEL} ⚠ not in the file",
                f"'{layer.name}' records no pixel size: enter your camera pixel size divided "
                "by the magnification")
    if source == "the file":
        path = layer_source_tiff(layer) or (layer.metadata.get("file") or {}).get("source")
        return f"{PIXEL_SIZE_LABEL} from the file", f"as stated in {path}"
    return (f"{PIXEL_SIZE_LABEL} from the layer scale",
            f"from the scale of '{layer.name}': µm per pixel unless the layer names its units")


def optics_from_layer(layer) -> dict[str, Any]:
    """Fields the layer can fill: axes, pixel_size_nm, z_step_nm, na, wavelength_nm,
    refractive_index.

    Only what the layer actually knows is returned; missing keys mean "keep the current value".
    """
    axes = layer_axes(layer)
    fields: dict[str, Any] = {"axes": axes}
    sizes = layer_pixel_sizes_nm(layer)
    if "X" in sizes:
        fields["pixel_size_nm"] = sizes["X"]
    if "Z" in sizes:
        fields["z_step_nm"] = sizes["Z"]
    optics = layer.metadata.get("optics") or {}
    fields.update({k: float(optics[k]) for k in OPTICS_KEYS if optics.get(k) is not None})
    return fields


def _sizes_and_source(layer) -> tuple[dict[str, float], Optional[str]]:
    """The layer's X, Y, Z sampling in nm and where it was found (see :func:`pixel_size_source`)."""
    axes = layer_axes(layer) or ""
    sizes = pixel_sizes_nm(layer.metadata, layer.scale, layer.units, axes)
    if "X" in sizes:
        recorded = _recorded_sizes(layer.metadata.get("pixel_size_nm"))
        from_file = "X" in recorded and bool(layer.metadata.get("file"))
        return sizes, "the file" if from_file else "the layer scale"
    header = file_calibration(layer)
    if header is None or "X" not in header.pixel_size_nm:
        return sizes, None
    same_axes = header.axes.replace("S", "") == axes.replace("S", "")
    return ({axis: size for axis, size in header.pixel_size_nm.items()
             if same_axes or axis in "XY"}, "the file")


def _valid_axes(axes: str, ndim: int) -> bool:
    """One distinct letter per dimension; no S, since ``ndim`` counts no RGB samples."""
    return len(axes) == ndim and len(set(axes)) == ndim and set(axes) <= set(AXIS_LETTERS) - {"S"}


def _recorded_sizes(value) -> dict[str, float]:
    """``{"X": 65, "Y": 65, "Z": 200}`` (or one number for X and Y) as positive floats."""
    if isinstance(value, (int, float)):
        value = {"X": value, "Y": value}
    if not isinstance(value, dict):
        return {}
    sizes = {str(k).upper(): float(v) for k, v in value.items() if isinstance(v, (int, float))}
    return {k: v for k, v in sizes.items() if v > 0}


def _scale_nm(scale: float, unit) -> Optional[float]:
    """One scale entry in nanometres, or None when it is not calibrated."""
    if unit is not None and unit.is_compatible_with("nanometer"):
        return float((scale * unit).to("nanometer").magnitude)
    if scale == 1.0 or scale <= 0:
        return None
    return scale * 1000.0
