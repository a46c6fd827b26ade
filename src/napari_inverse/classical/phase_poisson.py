"""Spectral calculus with Neumann (zero-flux) boundaries: gradients, divergence and a
Tikhonov-regularised inverse Laplacian, the building blocks of the TIE solvers.

Everything is expanded in cosines ``cos(k(n+½))``, k = πm/N (`cosine_transform`): the Fourier
series of the image reflected about its edges, so the periodic transform sees no seam and an
object touching the edge does not wrap round onto the opposite one, without building the (2Y, 2X)
reflection. A gradient component is a sine series along its own axis. Lengths are in pixels.
"""
from __future__ import annotations

import functools
import math

import torch

from .cosine_transform import dct, dct2, dst, idct, idct2, idst


def cosine_spectrum(image: torch.Tensor) -> torch.Tensor:
    """Coefficients of ``cos(ky(y+½))·cos(kx(x+½))`` of a real (…, Y, X) image (×4, as
    FFTPACK's unnormalised DCT-II; :func:`from_cosine_spectrum` divides it back)."""
    return dct2(image)


def from_cosine_spectrum(spectrum: torch.Tensor) -> torch.Tensor:
    """The image of :func:`cosine_spectrum`'s coefficients."""
    return idct2(spectrum)


class SpectralGrid:
    """Angular frequencies (rad/pixel) of the cosine series on a (Y, X) grid, for derivatives."""

    def __init__(self, shape, device) -> None:
        self.shape = tuple(int(s) for s in shape[-2:])
        ky = math.pi * torch.arange(self.shape[0], device=device) / self.shape[0]
        kx = math.pi * torch.arange(self.shape[1], device=device) / self.shape[1]
        self.ky, self.kx = ky[:, None], kx[None, :]
        self.k2 = self.ky**2 + self.kx**2

    def inverse_laplacian(self, image: torch.Tensor, regularization: float) -> torch.Tensor:
        """u with ∇²u = image (zero mean), ``−|k|²/(|k|⁴ + α)`` per frequency; α = 0 is exact."""
        symbol = self._inverse_symbol(regularization)
        return from_cosine_spectrum(cosine_spectrum(image).mul_(symbol))

    def gradient_of_inverse_laplacian(self, image: torch.Tensor, regularization: float
                                      ) -> tuple[torch.Tensor, torch.Tensor]:
        """∇u for the regularised u of :meth:`inverse_laplacian`, without forming u."""
        spectrum = cosine_spectrum(image).mul_(self._inverse_symbol(regularization))
        gy = idct(idst(_cosine_to_sine(spectrum, -self.ky, -2), -2), -1)
        return gy, idst(idct(_cosine_to_sine(spectrum, -self.kx, -1), -2), -1)

    def divergence_inverse_laplacian(self, gy: torch.Tensor, gx: torch.Tensor) -> torch.Tensor:
        """∇⁻²(∂gy/∂y + ∂gx/∂x), exact, for gy odd about the y edges and gx about the x edges."""
        spectrum = _sine_to_cosine(dst(dct(gy, -1), -2), self.ky, -2)
        spectrum.add_(_sine_to_cosine(dct(dst(gx, -1), -2), self.kx, -1))
        return from_cosine_spectrum(spectrum.mul_(self._inverse_symbol(0.0)))

    def _inverse_symbol(self, regularization: float) -> torch.Tensor:
        return _inverse_symbol(self.shape, self.k2.device, float(regularization))


@functools.lru_cache(maxsize=4)
def _inverse_symbol(shape, device, regularization: float) -> torch.Tensor:
    """−|k|²/(|k|⁴ + α), kept for the next image of the same shape (a time-lapse)."""
    k2 = SpectralGrid(shape, device).k2
    symbol = torch.square(k2).add_(regularization)
    torch.div(k2, symbol, out=symbol).neg_()
    symbol[0, 0] = 0.0  # the mean (piston) is not determined
    return symbol


def _cosine_to_sine(spectrum: torch.Tensor, k: torch.Tensor, dim: int) -> torch.Tensor:
    """k·spectrum along ``dim`` moved to the sine layout (frequency k at index k − 1, the
    frequency N that a cosine series lacks set to 0): a derivative of a cosine series."""
    n = spectrum.shape[dim]
    out = torch.empty_like(spectrum)
    torch.mul(spectrum.narrow(dim, 1, n - 1), k.narrow(dim, 1, n - 1),
              out=out.narrow(dim, 0, n - 1))
    out.narrow(dim, n - 1, 1).zero_()
    return out


def _sine_to_cosine(spectrum: torch.Tensor, k: torch.Tensor, dim: int) -> torch.Tensor:
    """k·spectrum along ``dim`` moved from the sine layout to the cosine one (frequency N has no
    cosine coefficient and is dropped): a derivative of a sine series."""
    n = spectrum.shape[dim]
    out = torch.empty_like(spectrum)
    torch.mul(spectrum.narrow(dim, 0, n - 1), k.narrow(dim, 1, n - 1),
              out=out.narrow(dim, 1, n - 1))
    out.narrow(dim, 0, 1).zero_()
    return out
