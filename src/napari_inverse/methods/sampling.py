"""Does an image's pixel size fit what a trained model learned? Say so, or resample to fit.

A network learns the blur and the noise of the pixel grid it was trained on. Fed pixels half as
large, it sees a PSF twice as wide and confidently restores the wrong thing, with no error
anywhere. So the learned path compares the image's pixel size with the model card's range
(20 % tolerance) and warns, or, when asked, resamples the image to the model's pixel size and
the restoration back to the image's grid.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from scipy import ndimage

from ..engine.validation import MIN_SPATIAL_SIZE, InvalidInput
from ..optics import Optics
from ..zoo import ModelCard

TOLERANCE = 0.2
_ORDER = 3  # cubic splines: linear interpolation would blur away part of what a network restores


class PixelSizeWarning(UserWarning):
    """The image's pixel size is outside what the model was trained for; results may be wrong."""


def pixel_size_mismatch(card: ModelCard, optics: Optics) -> Optional[str]:
    """The warning every face shows when ``optics.pixel_size_nm`` does not fit ``card``, or None."""
    if card.accepts_pixel_size(optics.pixel_size_nm, optics.na, optics.wavelength_nm, TOLERANCE):
        return None
    accepted = card.accepted_pixel_size_nm(optics.na, optics.wavelength_nm, TOLERANCE)
    return (
        f"the image has {optics.pixel_size_nm:.0f} nm pixels but model '{card.name}' takes "
        f"{accepted[0]:.0f}–{accepted[1]:.0f} nm at NA {optics.na:.2f} and "
        f"{optics.wavelength_nm:.0f} nm emission, so its result may be wrong. "
        f"{_resampling_advice(card, optics, finer=optics.pixel_size_nm < accepted[0])}"
    )


def _resampling_advice(card: ModelCard, optics: Optics, finer: bool) -> str:
    """What resampling is worth here, as measured (docs/architecture.md, docs/benchmarks.md).

    Deconvolution on finer pixels: +1.1 to +2.8 dB on four structure classes at 0.54× Nyquist,
    and validation chose it on four of five classes at 0.55–0.7× (not on microtubules). On
    coarser pixels (2.2×) it helped smooth structures and cost small puncta 1.6 dB. Denoising:
    it mostly cost 0.5–3 dB, as interpolation changes the noise the network learned.
    """
    expected = card.expected_pixel_size_nm(optics.na, optics.wavelength_nm)
    pixels = (f"the model's {expected:.0f} nm pixels (resample=True, --resample, or the dock's "
              "'resample' box)")
    own = f"a model trained for {optics.pixel_size_nm:.0f} nm pixels"
    if card.task == "denoising":
        return (f"Resampling to {pixels} changes the noise the model learned and usually makes "
                f"denoising worse: prefer {own}, e.g. N2V trained on this image itself "
                "(napari-inverse train --model n2v, or the Train dock)")
    if card.task == "super_resolution":
        return (f"Resample to {pixels}: CVDM then samples on the pixel it learned, and the "
                "result comes back to the grid you chose (the image's, or half its pixel with "
                "upsample 2)")
    if card.task == "deconvolution" and not finer:
        return (f"On pixels this coarse, resampling to {pixels} helps smooth structures but can "
                f"lose small puncta: compare both, or use {own}")
    return f"Try resampling to {pixels}, which usually helps on pixels this fine, or use {own}"


def model_zoom(card: ModelCard, optics: Optics) -> float:
    """How much to enlarge the image (YX) so its pixels become the size the model expects."""
    expected = card.expected_pixel_size_nm(optics.na, optics.wavelength_nm)
    return optics.pixel_size_nm / expected


def zoomed_shape(shape: tuple[int, ...], zoom: float) -> tuple[int, ...]:
    """``shape`` with its last two (Y, X) sizes scaled as :func:`to_model_grid` will scale them."""
    resized = (*shape[:-2], *(int(round(s * zoom)) for s in shape[-2:]))
    if min(resized[-2:]) < MIN_SPATIAL_SIZE:
        raise InvalidInput(
            f"resampling to the model's pixel size would leave only {resized[-2:]} pixels in YX; "
            "use a larger image or a model trained for this pixel size"
        )
    return resized


def to_model_grid(block: np.ndarray, zoom: float) -> np.ndarray:
    """``block`` (…, Y, X) resampled by ``zoom`` along Y and X."""
    factors = (1.0,) * (block.ndim - 2) + (zoom, zoom)
    return ndimage.zoom(block, factors, order=_ORDER, mode="reflect", grid_mode=True)


def to_image_grid(block: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Resample ``block`` back to exactly ``shape`` (the image's own grid)."""
    factors = [target / size for target, size in zip(shape, block.shape)]
    back = ndimage.zoom(block, factors, order=_ORDER, mode="reflect", grid_mode=True)
    return back.astype(np.float32, copy=False)
