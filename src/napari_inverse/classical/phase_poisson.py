"""Spectral calculus on a mirror-extended image: gradients, divergence and a Tikhonov-regularised
inverse Laplacian, the building blocks of the TIE solvers.

An image is reflected into a (2Y, 2X) tile that is even about both edges, so the periodic FFT sees
no seam: the inverse Laplacian then obeys Neumann (zero-flux) boundaries, as a DCT solver would,
and an object touching the edge does not wrap round onto the opposite one. Lengths are in pixels.
"""
from __future__ import annotations

import math

import torch


def mirror(image: torch.Tensor) -> torch.Tensor:
    """(…, Y, X) → (…, 2Y, 2X), the half-sample-symmetric extension (DCT-II's)."""
    image = torch.cat([image, image.flip(-1)], dim=-1)
    return torch.cat([image, image.flip(-2)], dim=-2)


def crop(extended: torch.Tensor, shape) -> torch.Tensor:
    """The original (Y, X) quarter of a mirror extension."""
    return extended[..., : shape[-2], : shape[-1]]


class SpectralGrid:
    """Angular frequencies (rad/pixel) of ``rfft2`` on a real (Y, X) grid, for derivatives."""

    def __init__(self, shape, device) -> None:
        self.shape = tuple(int(s) for s in shape[-2:])
        ky = 2 * math.pi * torch.fft.fftfreq(self.shape[0], device=device)
        kx = 2 * math.pi * torch.fft.rfftfreq(self.shape[1], device=device)
        self.k2 = ky[:, None] ** 2 + kx[None, :] ** 2
        # The Nyquist row and column have no odd part on an even grid: no derivative there.
        if self.shape[0] % 2 == 0:
            ky[self.shape[0] // 2] = 0
        self.ky, self.kx = ky[:, None], kx[None, :]

    def inverse_laplacian(self, image: torch.Tensor, regularization: float) -> torch.Tensor:
        """u with ∇²u = image (zero mean), ``−|k|²/(|k|⁴ + α)`` per frequency; α = 0 is exact."""
        spectrum = torch.fft.rfft2(image)
        return torch.fft.irfft2(spectrum * self._inverse_symbol(regularization), s=self.shape)

    def gradient_of_inverse_laplacian(self, image: torch.Tensor, regularization: float
                                      ) -> tuple[torch.Tensor, torch.Tensor]:
        """∇u for the regularised u of :meth:`inverse_laplacian`, without forming u."""
        spectrum = torch.fft.rfft2(image) * self._inverse_symbol(regularization)
        return (torch.fft.irfft2(1j * self.ky * spectrum, s=self.shape),
                torch.fft.irfft2(1j * self.kx * spectrum, s=self.shape))

    def divergence_inverse_laplacian(self, gy: torch.Tensor, gx: torch.Tensor) -> torch.Tensor:
        """∇⁻²(∂gy/∂y + ∂gx/∂x), exact, in one pair of transforms per component."""
        spectrum = 1j * self.ky * torch.fft.rfft2(gy) + 1j * self.kx * torch.fft.rfft2(gx)
        return torch.fft.irfft2(spectrum * self._inverse_symbol(0.0), s=self.shape)

    def _inverse_symbol(self, regularization: float) -> torch.Tensor:
        symbol = -self.k2 / (self.k2**2 + regularization)
        symbol[0, 0] = 0.0  # the mean (piston) is not determined
        return symbol
