"""Turn a file's calibration into Optics for the verbs and into napari layer scales, and back.

napari's convention here: a layer's scale is in µm along spatial axes and 1 along the others.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Optional, Sequence

from ..engine.validation import InvalidInput
from .image_file import ImageFile

if TYPE_CHECKING:
    from ..optics import Optics

# Optics has one lateral pixel size; X and Y may differ by rounding in the file, not by more.
_SQUARE_TOLERANCE = 0.01


def optics_from_image_file(
    image_file: ImageFile,
    na: float,
    wavelength_nm: float,
    refractive_index: float = 1.518,
    *,
    pixel_size_nm: Optional[float] = None,
    z_step_nm: Optional[float] = None,
) -> Optics:
    """Optics for ``image_file``: NA and wavelength from the user, sampling from the file.

    An explicit ``pixel_size_nm`` or ``z_step_nm`` wins over the file. The z step is used only
    when the image has a Z axis. Raises InvalidInput when the pixel size is known from neither.
    """
    from ..optics import Optics  # imports torch: only when Optics are really wanted

    sizes = image_file.pixel_size_nm
    if pixel_size_nm is None:
        if "X" not in sizes or "Y" not in sizes:
            raise InvalidInput(
                f"{_name(image_file)} does not state its pixel size; give it explicitly "
                "(pixel_size_nm=…, or --pixel-size on the command line)"
            )
        if abs(sizes["X"] - sizes["Y"]) > _SQUARE_TOLERANCE * max(sizes["X"], sizes["Y"]):
            raise InvalidInput(
                f"{_name(image_file)} has non-square pixels ({sizes['X']:g} × {sizes['Y']:g} nm); "
                "resample it to square pixels or give the pixel size explicitly"
            )
        pixel_size_nm = 0.5 * (sizes["X"] + sizes["Y"])
    if "Z" in image_file.axes and z_step_nm is None:
        z_step_nm = sizes.get("Z")
    if "Z" not in image_file.axes:
        z_step_nm = None
    return Optics(
        na=na,
        wavelength_nm=wavelength_nm,
        pixel_size_nm=pixel_size_nm,
        refractive_index=refractive_index,
        z_step_nm=z_step_nm,
    )


def layer_scale(image_file: ImageFile, exclude: str = "S") -> tuple[float, ...]:
    """napari ``scale`` for ``image_file``: µm per pixel along calibrated X, Y, Z, else 1.

    Axes in ``exclude`` get no entry: "S" by default, as napari's RGB layers expect; pass "SC"
    when the reader splits channels into layers with ``channel_axis``.
    """
    return tuple(
        image_file.pixel_size_nm.get(axis, 1000.0) / 1000.0
        for axis in image_file.axes
        if axis not in exclude
    )


def pixel_size_from_scale(scale: Sequence[float], axes: str) -> dict[str, float]:
    """The inverse of :func:`layer_scale`: pixel sizes in nm of X, Y and Z from a µm scale.

    ``scale`` has one entry per letter of ``axes`` (without S). napari's default scale of 1
    reads as 1 µm: a caller that knows a layer is uncalibrated should drop those entries.
    """
    letters = axes.replace("S", "")
    if len(scale) != len(letters):
        raise InvalidInput(f"scale {tuple(scale)} needs one entry per axis of {letters!r}")
    return {
        axis: float(value) * 1000.0
        for axis, value in zip(letters, scale)
        if axis in "XYZ" and math.isfinite(value) and value > 0
    }


def _name(image_file: ImageFile) -> str:
    source = image_file.metadata.get("source")
    return f"'{source}'" if source else "the image"
