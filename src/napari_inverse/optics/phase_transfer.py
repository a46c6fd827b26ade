"""Weak-object transfer functions of a brightfield microscope under partially coherent Köhler
illumination: how a faint absorption and a small phase appear in a defocused image.

For a thin specimen ``1 − a + iφ`` with small a and φ, each plane's intensity normalised by its
background is ``1 + F⁻¹{H_A·A + H_φ·Φ}`` (Streibl 1984; Claus et al. 2015). With condenser source
points u (a uniform disc of radius NA_c/λ), the objective pupil P and the defocus phase of the
angular spectrum, ``X(f) = Σ_u P(u)P(u+f)·exp(i2πz(k_z(u+f) − k_z(u))) / Σ_u P(u)²`` gives
``H_A = −(X(f) + X*(−f))`` and ``H_φ = i(X(f) − X*(−f))``. A closed condenser and a small defocus
reduce H_φ to ``2·sin(πλz|f|²/n)``, the TIE's ``2πλz|f|²/n`` to first order. The functions are
circularly symmetric, so they are computed along one radius and interpolated onto a grid.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
import torch

RADIAL_SAMPLES = 1024
SOURCE_STEPS = 16  # source points per condenser radius: ~800 points in the disc


def weak_object_transfer_radial(
    frequency_per_nm: np.ndarray,
    dz_nm: Sequence[float],
    wavelength_nm: float,
    na: float,
    condenser_na: Optional[float] = None,
    n_medium: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(H_A, H_φ), each (planes, frequencies), along a radius of spatial frequencies (cycles/nm).

    ``condenser_na`` None or 0 is a point source (coherent); above ``na`` the outer source
    points fall outside the pupil and only add a dark-field background, which is left out.
    """
    radius = (condenser_na or 0.0) / wavelength_nm
    steps = np.arange(-SOURCE_STEPS, SOURCE_STEPS + 1) * radius / SOURCE_STEPS if radius else [0.0]
    uy, ux = (a.ravel() for a in np.meshgrid(steps, steps, indexing="ij"))
    # f lies along x, so the points at ±uy see the same: keep uy ≥ 0, counting uy > 0 twice
    inside = (uy**2 + ux**2 <= radius**2 * (1 + 1e-9)) & (uy >= 0)
    uy, ux = uy[inside], ux[inside]
    cut, k = na / wavelength_nm, n_medium / wavelength_nm

    def axial(vy, vx):
        return np.sqrt(np.clip(k**2 - vy**2 - vx**2, 0.0, None))

    lit = (uy**2 + ux**2 <= cut**2) * np.where(uy > 0, 2.0, 1.0)
    if lit.sum() == 0:
        raise ValueError("no condenser source point falls inside the objective's pupil")
    f = np.asarray(frequency_per_nm, dtype=np.float64)[:, None]
    dz = np.asarray(dz_nm, dtype=np.float64).reshape(-1, 1, 1)

    def cross(sign):
        vx = ux[None, :] + sign * f
        passed = lit * ((uy[None, :] ** 2 + vx**2) <= cut**2)
        delay = axial(uy[None, :], vx) - axial(uy, ux)[None, :]
        return (passed * np.exp(2j * np.pi * dz * delay)).sum(-1) / lit.sum()

    forward, backward = cross(+1.0), np.conj(cross(-1.0))
    return -(forward + backward).real, (1j * (forward - backward)).real


class RadialGrid:
    """Interpolates a circularly symmetric profile, sampled along one radius, onto an FFT grid of
    ``shape`` (Y, X) with pixels of ``pixel_size_nm`` (``rfft``: the half grid of ``rfft2``;
    ``cosine``: the frequencies m/2N of a 2D cosine transform, i.e. of the mirror extension)."""

    def __init__(self, shape: Sequence[int], pixel_size_nm: float, rfft: bool = False,
                 device="cpu", cosine: bool = False) -> None:
        ny, nx = (int(s) for s in shape[-2:])
        if cosine:
            fy, fx = (torch.arange(n, device=device) / (2 * n * pixel_size_nm) for n in (ny, nx))
        else:
            fy = torch.fft.fftfreq(ny, d=pixel_size_nm, device=device)
            fx = (torch.fft.rfftfreq if rfft else torch.fft.fftfreq)(nx, d=pixel_size_nm,
                                                                     device=device)
        top = math.sqrt(2) * 0.5 / pixel_size_nm
        self.samples = np.linspace(0.0, top, RADIAL_SAMPLES)  # cycles per nm
        position = torch.sqrt(fy[:, None] ** 2 + fx[None, :] ** 2) * ((RADIAL_SAMPLES - 1) / top)
        self._below = position.long().clamp_(max=RADIAL_SAMPLES - 2)
        self._weight = (position - self._below).clamp_(0.0, 1.0)
        self.device = device

    def on_grid(self, profile: np.ndarray) -> torch.Tensor:
        """A float32 (Y, X) grid from a profile of ``len(samples)`` values."""
        row = torch.as_tensor(profile, dtype=torch.float32, device=self.device)
        return torch.lerp(torch.take(row, self._below), torch.take(row, self._below + 1),
                          self._weight)


def weak_object_transfer(
    shape: Sequence[int],
    pixel_size_nm: float,
    dz_nm: Sequence[float],
    wavelength_nm: float,
    na: float,
    condenser_na: Optional[float] = None,
    n_medium: float = 1.0,
    rfft: bool = False,
    device="cpu",
) -> tuple[torch.Tensor, torch.Tensor]:
    """(H_A, H_φ) as float32 tensors (planes, Y, X) on the FFT grid of ``shape`` (Y, X)."""
    grid = RadialGrid(shape, pixel_size_nm, rfft, device)
    profiles = weak_object_transfer_radial(grid.samples, dz_nm, wavelength_nm, na, condenser_na,
                                           n_medium)
    return tuple(torch.stack([grid.on_grid(row) for row in rows]) for rows in profiles)
