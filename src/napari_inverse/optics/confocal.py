"""Confocal point-spread function: excitation focus × (emission PSF seen through the pinhole).

h_conf(r, z) = h_ex(r, z) · [h_em(·, z) ∗ P](r), with P the pinhole back-projected into the
sample, a disc of ``pinhole_au`` Airy units (1 AU = 1.22 λ_em / NA across). A closed pinhole
gives h_ex·h_em (≈ √2 narrower than widefield); a wide one tends to the excitation PSF alone.
The product is formed on a grid finer than the pixel, then integrated over each pixel.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Optional, Sequence

import numpy as np
from scipy.signal import fftconvolve

from ..engine.arguments import Number, check_arguments
from .microscope import Optics
from .psf import _psf_shape, widefield_radial_profile

# Fine-grid cells per Nyquist pixel (λ/4NA): enough that the product of two PSFs is sampled well.
_CELLS_PER_NYQUIST = 4
_EXCITATION = {"excitation_nm": Number(at_least=150, at_most=2000, optional=True,
                                       hint="the excitation wavelength; give it in nanometres "
                                       "(e.g. 488, not 0.488)")}


def confocal_psf(
    optics: Optics,
    shape: Optional[Sequence[int]] = None,
    ndim: int = 2,
    pinhole_au: float = 1.0,
    excitation_nm: Optional[float] = None,
) -> np.ndarray:
    """Confocal PSF on the camera grid (2-D focal plane or 3-D ZYX stack), summing to 1.

    ``optics.wavelength_nm`` is the emission wavelength; ``excitation_nm`` defaults to it (the
    textbook approximation that neglects the Stokes shift; give e.g. 488 for GFP to be exact).
    ``shape`` (odd sizes) defaults to the widefield PSF's extent.
    """
    if not (math.isfinite(pinhole_au) and pinhole_au >= 0):
        raise ValueError(f"pinhole_au must be ≥ 0 Airy units (1 is usual), got {pinhole_au!r}")
    check_arguments(_EXCITATION, {"excitation_nm": excitation_nm})
    excitation = replace(optics, wavelength_nm=float(excitation_nm or optics.wavelength_nm))
    shape = _psf_shape(optics, shape, ndim)
    # An odd number of fine cells per pixel keeps the middle pixel's centre on a fine cell.
    factor = math.ceil(_CELLS_PER_NYQUIST * optics.pixel_size_nm / optics.nyquist_pixel_nm)
    factor += 1 - factor % 2
    fine_nm = optics.pixel_size_nm / factor
    lateral = [(np.arange(n * factor) - (n * factor - 1) / 2) * fine_nm for n in shape[-2:]]
    radius = np.hypot(lateral[0][:, None], lateral[1][None, :])
    z_positions = (
        (np.arange(shape[0]) - (shape[0] - 1) / 2) * optics.z_step_nm if ndim == 3 else [0.0]
    )
    emitted = _sampled(optics, radius, z_positions, fine_nm)
    exciting = (
        emitted if excitation == optics else _sampled(excitation, radius, z_positions, fine_nm)
    )
    pinhole = _pinhole(optics, fine_nm, pinhole_au)[None]
    detected = np.clip(fftconvolve(emitted, pinhole, mode="same", axes=(-2, -1)), 0.0, None)
    product = (exciting * detected).reshape(len(z_positions), shape[-2], factor, shape[-1], factor)
    binned = product.sum(axis=(-3, -1)).reshape(shape)
    return (binned / binned.sum()).astype(np.float32)


def _sampled(optics: Optics, radius: np.ndarray, z_positions, fine_nm: float) -> np.ndarray:
    """Widefield intensity at each fine cell's centre, one plane per defocus (Z × Y × X)."""
    r_table = np.arange(0.0, radius.max() + fine_nm, fine_nm / 4)
    return np.stack(
        [
            np.interp(radius, r_table, widefield_radial_profile(optics, r_table, z))
            for z in z_positions
        ]
    )


def _pinhole(optics: Optics, fine_nm: float, pinhole_au: float) -> np.ndarray:
    """The pinhole disc in the sample plane, on the fine grid, with an anti-aliased rim."""
    radius = 0.5 * pinhole_au * 1.22 * optics.wavelength_nm / optics.na / fine_nm
    half = int(math.ceil(radius)) + 1
    r = np.hypot(
        *np.meshgrid(np.arange(-half, half + 1), np.arange(-half, half + 1), indexing="ij")
    )
    disc = np.clip(radius + 0.5 - r, 0.0, 1.0)
    return disc / disc.sum()
