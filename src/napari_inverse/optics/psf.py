"""Widefield point-spread functions: scalar Born–Wolf (2-D and 3-D) and a Gaussian approximation.

The Born–Wolf model integrates the pupil in optical units v = k0·NA·r and u = k0·NA²·z/n:
h(v, u) = |2 ∫₀¹ J0(vρ) exp(−i u ρ²/2) ρ dρ|², whose in-focus section is the Airy pattern with its
first zero at 0.61 λ/NA. Pixels integrate light over their area, so the lateral grid is
oversampled and binned.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
from scipy.special import j0

from .microscope import Optics

_QUADRATURE_NODES = 256
_LATERAL_OVERSAMPLING = 5
# How far the computed PSF reaches, in units of λ/NA laterally and of 2nλ/NA² axially.
_LATERAL_EXTENT = 2.5
_AXIAL_EXTENT = 3.0


def widefield_radial_profile(optics: Optics, r_nm: np.ndarray, z_nm: float = 0.0) -> np.ndarray:
    """Born–Wolf intensity at radii ``r_nm`` and defocus ``z_nm``, normalised to 1 at focus."""
    rho, weights = np.polynomial.legendre.leggauss(_QUADRATURE_NODES)
    rho = 0.5 * (rho + 1.0)
    weights = 0.5 * weights
    k0 = 2 * math.pi / optics.wavelength_nm
    v = k0 * optics.na * np.asarray(r_nm, dtype=np.float64)
    u = k0 * optics.na**2 * z_nm / optics.refractive_index
    pupil = np.exp(-0.5j * u * rho**2) * rho * weights
    amplitude = 2.0 * (j0(np.multiply.outer(v, rho)) @ pupil)
    return np.abs(amplitude) ** 2


def widefield_psf(
    optics: Optics, shape: Optional[Sequence[int]] = None, ndim: int = 2
) -> np.ndarray:
    """Scalar Born–Wolf widefield PSF sampled on the camera grid, summing to 1.

    ``ndim`` 2 gives the in-focus plane; 3 gives a (Z, Y, X) stack and needs ``optics.z_step_nm``.
    ``shape`` (odd sizes, centred) defaults to an extent that holds the significant Airy rings
    and, in 3-D, about three axial resolution lengths either side of focus.
    """
    shape = _psf_shape(optics, shape, ndim)
    lateral = _lateral_coordinates(optics, shape[-2:])
    radius = np.hypot(*np.meshgrid(lateral[0], lateral[1], indexing="ij"))
    r_table = np.linspace(0.0, radius.max() + optics.pixel_size_nm, 2048)
    z_positions = _axial_coordinates(optics, shape[0]) if ndim == 3 else np.zeros(1)
    planes = []
    for z_nm in z_positions:
        profile = widefield_radial_profile(optics, r_table, z_nm)
        fine = np.interp(radius, r_table, profile)
        planes.append(_bin_lateral(fine, _LATERAL_OVERSAMPLING))
    psf = np.stack(planes) if ndim == 3 else planes[0]
    return (psf / psf.sum()).astype(np.float32)


def gaussian_psf(optics: Optics, shape: Optional[Sequence[int]] = None, ndim: int = 2) -> np.ndarray:
    """Gaussian fit to the widefield PSF (Zhang et al. 2007): σxy = 0.21 λ/NA, σz = 0.66 nλ/NA²."""
    shape = _psf_shape(optics, shape, ndim)
    sigma_xy = 0.21 * optics.wavelength_nm / optics.na
    lateral = _lateral_coordinates(optics, shape[-2:])
    fine = np.exp(
        -(lateral[0][:, None] ** 2 + lateral[1][None, :] ** 2) / (2 * sigma_xy**2)
    )
    plane = _bin_lateral(fine, _LATERAL_OVERSAMPLING)
    if ndim == 3:
        sigma_z = 0.66 * optics.wavelength_nm * optics.refractive_index / optics.na**2
        z = _axial_coordinates(optics, shape[0])
        psf = np.exp(-(z**2) / (2 * sigma_z**2))[:, None, None] * plane[None]
    else:
        psf = plane
    return (psf / psf.sum()).astype(np.float32)


def psf_for_image(
    optics: Optics, image_shape: Sequence[int], model: str = "widefield"
) -> np.ndarray:
    """A PSF for an image of ``image_shape`` (2-D YX or 3-D ZYX), never larger than the image."""
    ndim = len(image_shape)
    if ndim == 3 and optics.z_step_nm is None:
        raise ValueError(
            "a 3-D (ZYX) deconvolution needs the distance between planes: set Optics(z_step_nm=…) "
            "or the layer's Z scale"
        )
    default = _psf_shape(optics, None, ndim)
    shape = [min(d, s if s % 2 else s - 1) for d, s in zip(default, image_shape)]
    makers = {"widefield": widefield_psf, "gaussian": gaussian_psf}
    if model not in makers:
        raise ValueError(f"unknown PSF model {model!r}; choose one of {sorted(makers)}")
    return makers[model](optics, shape, ndim)


def _psf_shape(optics: Optics, shape: Optional[Sequence[int]], ndim: int) -> tuple[int, ...]:
    if ndim not in (2, 3):
        raise ValueError(f"a PSF is 2-D or 3-D, got ndim={ndim}")
    if ndim == 3 and optics.z_step_nm is None:
        raise ValueError("a 3-D PSF needs Optics(z_step_nm=…), the distance between planes")
    if shape is not None:
        shape = tuple(int(s) for s in shape)
        if len(shape) != ndim or any(s < 1 or s % 2 == 0 for s in shape):
            raise ValueError(f"PSF shape must be {ndim} odd positive sizes, got {shape}")
        return shape
    half = max(3, math.ceil(_LATERAL_EXTENT * optics.wavelength_nm / optics.na / optics.pixel_size_nm))
    lateral = (2 * half + 1,) * 2
    if ndim == 2:
        return lateral
    axial_resolution = 2 * optics.refractive_index * optics.wavelength_nm / optics.na**2
    half_z = max(2, math.ceil(_AXIAL_EXTENT * axial_resolution / optics.z_step_nm))
    return (2 * half_z + 1, *lateral)


def _lateral_coordinates(optics: Optics, shape: Sequence[int]) -> list[np.ndarray]:
    """Sub-pixel centre positions (nm) of an oversampled grid centred on the middle pixel."""
    coords = []
    for n in shape:
        fine = n * _LATERAL_OVERSAMPLING
        index = np.arange(fine) - (fine - 1) / 2
        coords.append(index * optics.pixel_size_nm / _LATERAL_OVERSAMPLING)
    return coords


def _axial_coordinates(optics: Optics, n: int) -> np.ndarray:
    return (np.arange(n) - (n - 1) / 2) * float(optics.z_step_nm)


def _bin_lateral(fine: np.ndarray, factor: int) -> np.ndarray:
    ny, nx = fine.shape[0] // factor, fine.shape[1] // factor
    return fine.reshape(ny, factor, nx, factor).mean(axis=(1, 3))
