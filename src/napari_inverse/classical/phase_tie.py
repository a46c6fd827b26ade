"""Phase from the transport-of-intensity equation ``∂I/∂z = −(λ/2πn)·∇·(I∇φ)`` (Teague 1983).

``tie_phase`` assumes a uniform in-focus intensity I₀ and solves one Poisson equation,
``∇²φ = −(k/I₀)·∂I/∂z`` with k = 2πn/λ; ``teague_phase`` keeps I(x, y) (absorbing specimens) with
two: ``∇²ψ = −k·∂I/∂z``, then ``φ = ∇⁻²∇·(∇ψ/I)``. Both run in torch cosine
transforms, i.e. mirror (Neumann) boundaries (`phase_poisson`); the regularisation α damps the
lowest frequencies, where the TIE has no signal and noise would be amplified as 1/|k|². The
phase is in radians at ``wavelength_nm``, mean 0.
"""
from __future__ import annotations

import math
from typing import Callable, Optional, Sequence

import torch

from .phase_planes import focus_fit_weights
from .phase_poisson import SpectralGrid

DEFAULT_REGULARIZATION = 1e-6
"""α of ``|k|²/(|k|⁴ + α)``, k in rad/pixel: signal below ~α^¼/2π cycles/pixel is damped."""
DARKEST_FRACTION = 0.05
"""Teague divides by I; pixels darker than this fraction of the mean are held at it."""


def tie_phase(planes: torch.Tensor, dz_nm: Sequence[float], wavelength_nm: float,
              pixel_size_nm: float, n_medium: float = 1.0,
              regularization: Optional[float] = None) -> torch.Tensor:
    """Phase (Y, X) from ``planes`` (P, Y, X) at defocus ``dz_nm``, uniform-intensity TIE."""
    _, slope_weights = focus_fit_weights(dz_nm)  # the fit's I(0) has mean 1 on normalised planes
    k = _wavenumber_px(wavelength_nm, pixel_size_nm, n_medium)
    source = normalised_sum(planes, -k * slope_weights)
    grid = SpectralGrid(planes.shape, planes.device)
    return _zero_mean(grid.inverse_laplacian(source, _alpha(regularization)))


def teague_phase(planes: torch.Tensor, dz_nm: Sequence[float], wavelength_nm: float,
                 pixel_size_nm: float, n_medium: float = 1.0,
                 regularization: Optional[float] = None,
                 between: Optional[Callable[[], None]] = None) -> torch.Tensor:
    """Phase (Y, X) from ``planes`` (P, Y, X) at defocus ``dz_nm``, Teague's two Poisson solves;
    ``between()`` (a cancel check) runs between them."""
    value_weights, slope_weights = focus_fit_weights(dz_nm)
    in_focus = normalised_sum(planes, value_weights)
    source = normalised_sum(planes, -_wavenumber_px(wavelength_nm, pixel_size_nm, n_medium)
                            * slope_weights)
    grid = SpectralGrid(planes.shape, planes.device)
    gy, gx = grid.gradient_of_inverse_laplacian(source, _alpha(regularization))
    intensity = in_focus.clamp_(min=DARKEST_FRACTION)  # the fit of normalised planes has mean 1
    if between is not None:
        between()
    return _zero_mean(grid.divergence_inverse_laplacian(gy.div_(intensity), gx.div_(intensity)))


def normalised_sum(planes: torch.Tensor, weights) -> torch.Tensor:
    """Σⱼ wⱼ·Iⱼ/⟨Iⱼ⟩ in one pass: each plane divided by its mean, because a lamp that drifts
    between planes, or a colour camera's unequal channel gains, would otherwise read as an axial
    intensity change."""
    scaled = torch.as_tensor(weights, dtype=torch.float64, device=planes.device) / _means(planes)
    return torch.tensordot(scaled.to(planes.dtype), planes, dims=1)


def normalised_planes(planes: torch.Tensor) -> torch.Tensor:
    """Each plane divided by its mean (see :func:`normalised_sum`), plane by plane."""
    return planes / _means(planes).to(planes.dtype)[:, None, None]


def _means(planes: torch.Tensor) -> torch.Tensor:
    means = planes.mean(dim=(-2, -1)).double()
    if bool((means <= 0).any()):
        raise ValueError("every plane needs a positive mean intensity (a brightfield image)")
    return means


def _wavenumber_px(wavelength_nm, pixel_size_nm, n_medium) -> float:
    """k = 2πn/λ times pixel² (rad·nm per pixel²): the TIE's right side in pixel units, with ∂z
    in nm, since the Laplacian works in pixels."""
    return 2 * math.pi * n_medium / wavelength_nm * pixel_size_nm**2


def _alpha(regularization) -> float:
    return DEFAULT_REGULARIZATION if regularization is None else float(regularization)


def _zero_mean(phase: torch.Tensor) -> torch.Tensor:
    return phase.sub_(phase.mean())
