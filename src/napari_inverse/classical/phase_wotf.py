"""Phase by inverting the partially coherent weak-object transfer functions of every plane.

Each plane, normalised by its mean, is ``1 + F⁻¹{H_A,j·A + H_φ,j·Φ}`` (`optics.phase_transfer`);
absorption A and phase Φ are found together, frequency by frequency, by Tikhonov-regularised
least squares over the planes (a 2×2 system). Unlike the TIE this keeps the true shape of the
transfer at large defocus and the contrast an open condenser takes away. Planes may differ in
wavelength (the chromatic mode): a non-dispersive optical path gives plane j the phase
φ·λ/λⱼ, so its H_φ is scaled by λ/λⱼ and Φ is the phase at ``wavelength_nm``.
"""
from __future__ import annotations

import functools
from typing import Callable, Optional, Sequence

import numpy as np
import torch

from ..optics.phase_transfer import RadialGrid, weak_object_transfer_radial
from .phase_poisson import cosine_spectrum, from_cosine_spectrum
from .phase_tie import normalised_sum

DEFAULT_REGULARIZATION = 1e-5
"""α of the penalty ``α·max Σ H_φ²·(1 + (f·L)⁴)`` added to Σ H² (f the spatial frequency): a
Wiener-like prior, relative to the strongest phase transfer so α does not depend on the defocus,
the number of planes or the condenser. Constant at low frequencies, where H_φ ∝ f² and noise
would be amplified as 1/f², it damps them as the TIE's α does; it grows above 1/L, where the
phase has little power and an open condenser's transfer fades slowly towards (NA + NA_c)/λ."""
SPECIMEN_SCALE_NM = 20_000.0
"""L: the phase spectrum is taken as flat below 1/L (about a cell) and falling as f⁻⁴ above."""


def wotf_phase(planes: torch.Tensor, dz_nm: Sequence[float], wavelength_nm: float,
               pixel_size_nm: float, na: float, condenser_na: Optional[float] = None,
               n_medium: float = 1.0, regularization: Optional[float] = None,
               plane_wavelengths_nm: Optional[Sequence[float]] = None,
               between: Optional[Callable[[], None]] = None) -> torch.Tensor:
    """Phase (Y, X) in radians at ``wavelength_nm`` from ``planes`` (P, Y, X) at ``dz_nm``.

    ``na`` is the objective's, ``condenser_na`` the illumination's (None: a point source);
    ``plane_wavelengths_nm`` gives each plane its own wavelength (default all ``wavelength_nm``);
    ``between()`` (a cancel check) runs after each transform.
    """
    alpha = DEFAULT_REGULARIZATION if regularization is None else float(regularization)
    wavelengths = tuple(plane_wavelengths_nm or [wavelength_nm] * planes.shape[0])
    spectrum = 0
    for plane_weights, profile in _filters_on_grid(
            tuple(planes.shape[-2:]), pixel_size_nm, tuple(map(float, dz_nm)), wavelengths,
            wavelength_nm, na, condenser_na, n_medium, alpha, str(planes.device)):
        # Σⱼ wⱼ(f)·Dⱼ(f) with wⱼ = Σᵣ cⱼᵣ·pᵣ(f): one transform per term r, not per plane
        contrast = normalised_sum(planes, plane_weights).sub_(float(plane_weights.sum()))
        spectrum = cosine_spectrum(contrast).mul_(profile).add_(spectrum)
        if between is not None:
            between()
    spectrum[0, 0] = 0.0
    phase = from_cosine_spectrum(spectrum)
    return phase.sub_(phase.mean())


@functools.lru_cache(maxsize=2)
def _filters_on_grid(shape, pixel_size_nm, dz_nm, wavelengths, wavelength_nm, na, condenser_na,
                     n_medium, alpha, device) -> list[tuple[np.ndarray, torch.Tensor]]:
    """(plane weights, filter on the cosine grid) per separable term, kept for the next call with
    the same shape and optics (a time-lapse): the transfer functions cost more than the solve."""
    grid = RadialGrid(shape, pixel_size_nm, device=device, cosine=True)
    filters = _radial_filters(grid.samples, dz_nm, wavelengths, wavelength_nm, na, condenser_na,
                              n_medium, alpha)
    return [(weights, grid.on_grid(profile)) for weights, profile in zip(*_separable(filters))]


def _separable(filters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(c (r, planes), p (r, samples)) with filters ≈ cᵀ·p, r the numerical rank: planes
    symmetric about the focus need one term (the focal plane gets no phase weight and the
    outer pairs antisymmetric ones), so the WOTF costs one transform like the TIE."""
    u, singular, v = np.linalg.svd(filters, full_matrices=False)
    rank = max(1, int((singular > 1e-6 * singular[0]).sum()))
    return (u[:, :rank] * singular[:rank]).T, v[:rank]


def _radial_filters(samples, dz_nm, wavelengths, wavelength_nm, na, condenser_na, n_medium,
                    alpha) -> np.ndarray:
    """Per plane j the radial profile of w_j with Φ = Σ w_j·D_j: the phase row of the inverse of
    the 2×2 Tikhonov normal equations [[Σ H_A² + a, Σ H_A·H_φ], [Σ H_A·H_φ, Σ H_φ² + a]],
    a the penalty of :data:`DEFAULT_REGULARIZATION`."""
    h_a = np.empty((len(dz_nm), len(samples)))
    h_phi = np.empty_like(h_a)
    for wavelength in sorted(set(wavelengths)):
        rows = [j for j, w in enumerate(wavelengths) if w == wavelength]
        h_a[rows], h_phi[rows] = weak_object_transfer_radial(
            samples, [dz_nm[j] for j in rows], wavelength, na, condenser_na, n_medium)
        h_phi[rows] *= wavelength_nm / wavelength
    penalty = alpha * (h_phi**2).sum(0).max() * (1 + (samples * SPECIMEN_SCALE_NM) ** 4)
    aa, ap, pp = ((h_a**2).sum(0) + penalty, (h_a * h_phi).sum(0), (h_phi**2).sum(0) + penalty)
    determinant = aa * pp - ap**2
    safe = determinant > 1e-30  # only f = 0 without absorption data: the undetermined piston
    return np.where(safe, (aa * h_phi - ap * h_a) / np.where(safe, determinant, 1.0), 0.0)
