"""Input checks that turn bad images into messages naming the problem and the fix."""
from __future__ import annotations

import numpy as np

MIN_SPATIAL_SIZE = 8
MAX_NDIM = 5


class InvalidInput(ValueError):
    """The input cannot be processed; the message says why and what to do instead."""


def check_image(image, name: str = "image") -> None:
    """Refuse arrays no verb can work on: not an array, empty, wrong dtype, too many dimensions.

    Finite values are checked per block by :func:`check_finite`, so a dask array is not read twice.
    """
    if not hasattr(image, "shape") or not hasattr(image, "dtype"):
        raise InvalidInput(
            f"{name} must be a numpy or dask array, got {type(image).__name__}; "
            "load the file first (napari_inverse.io.read_tiff) or wrap it in numpy.asarray"
        )
    dtype = np.dtype(image.dtype)
    if dtype.kind not in "uif":
        raise InvalidInput(
            f"{name} has dtype {dtype}, expected integers or floats; "
            "convert it with image.astype('float32')"
        )
    if image.ndim < 2 or image.ndim > MAX_NDIM:
        raise InvalidInput(
            f"expected a 2-D to {MAX_NDIM}-D image (axes like YX, ZYX, TZYX), "
            f"got {image.ndim}-D with shape {tuple(image.shape)}"
        )
    if 0 in image.shape:
        raise InvalidInput(f"{name} is empty (shape {tuple(image.shape)}); nothing to process")


def check_spatial_size(shape: tuple[int, ...], axes: str) -> None:
    """Refuse images too small for a PSF or a network to mean anything (a 1×1 image, say)."""
    small = [f"{a}={s}" for a, s in zip(axes, shape) if a in "YX" and s < MIN_SPATIAL_SIZE]
    if small:
        raise InvalidInput(
            f"image is too small along {', '.join(small)}: at least {MIN_SPATIAL_SIZE} pixels "
            "are needed along Y and X"
        )


def check_finite(block: np.ndarray, name: str = "image") -> None:
    """Refuse NaN or Inf, which would spread through every FFT and ruin the whole result."""
    if not np.isfinite(block).all():
        bad = int(block.size - np.count_nonzero(np.isfinite(block)))
        raise InvalidInput(
            f"{name} contains {bad} NaN or infinite value(s); replace them first "
            "(e.g. numpy.nan_to_num(image, nan=0.0)) — the input was not modified"
        )
