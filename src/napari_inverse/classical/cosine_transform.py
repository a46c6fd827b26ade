"""Cosine and sine transforms (DCT-II / DST-II and their inverses) along one axis, in torch FFTs.

They are the Fourier transform of the half-sample-symmetric (mirror) extension, computed with an
N-point real FFT by Makhoul's reorder-and-twiddle (1980) instead of a 2N-point one, so a spectral
solver gets Neumann boundaries at a quarter of the cost in 2D. Unnormalised as FFTPACK's:
``X[k] = 2·Σₙ x[n]·cos(πk(n+½)/N)``, and the sine coefficient of frequency k = 1…N at index k − 1.
On the CPU they come from pocketfft's native real-to-real transforms (``scipy.fft``) instead:
the reorder and twiddle passes cost ~6× the FFT there (issue 23).
"""
from __future__ import annotations

import math

import scipy.fft
import torch


def dct(x: torch.Tensor, dim: int) -> torch.Tensor:
    """DCT-II of a real tensor along ``dim``."""
    if _use_native(x):
        return _native(scipy.fft.dct, x, dim)
    n, keep = x.shape[dim], x.shape[dim] // 2 + 1
    order = _even_then_odd_reversed(n, x.device)
    # With Z = e^{−iπk/2N}·V[k] on the rfft half: X[k] = Re Z[k] and X[N−k] = −Im Z[k].
    twiddle = _twiddle(n, -1.0, x, dim, keep, 2.0)
    twisted = torch.fft.rfft(x.index_select(dim, order), dim=dim) * twiddle
    tail = torch.arange(n - keep, 0, -1, device=x.device)
    return torch.cat([twisted.real, twisted.imag.index_select(dim, tail).neg_()], dim)


def idct(coefficients: torch.Tensor, dim: int) -> torch.Tensor:
    """Inverse of :func:`dct` (a scaled DCT-III) along ``dim``."""
    c = coefficients
    if _use_native(c):
        return _native(scipy.fft.idct, c, dim)
    n, keep = c.shape[dim], c.shape[dim] // 2 + 1
    mirrored = c.index_select(dim, torch.arange(n - 1, n - keep, -1, device=c.device)).neg_()
    imaginary = torch.cat([torch.zeros_like(c.narrow(dim, 0, 1)), mirrored], dim)
    twiddle = _twiddle(n, 1.0, c, dim, keep, 0.5)
    spectrum = twiddle * torch.complex(c.narrow(dim, 0, keep), imaginary)
    reordered = torch.fft.irfft(spectrum, n=n, dim=dim)
    return reordered.index_select(dim, torch.argsort(_even_then_odd_reversed(n, c.device)))


def dst(x: torch.Tensor, dim: int) -> torch.Tensor:
    """DST-II along ``dim``: coefficient k of ``sin(πk(n+½)/N)`` at index k − 1 (k = 1…N)."""
    if _use_native(x):
        return _native(scipy.fft.dst, x, dim)
    return dct(x * _alternating(x, dim), dim).flip(dim)  # sin(πk(n+½)/N) = (−1)ⁿcos(π(N−k)(n+½)/N)


def idst(coefficients: torch.Tensor, dim: int) -> torch.Tensor:
    """Inverse of :func:`dst` along ``dim``."""
    if _use_native(coefficients):
        return _native(scipy.fft.idst, coefficients, dim)
    return idct(coefficients.flip(dim), dim) * _alternating(coefficients, dim)


def dct2(x: torch.Tensor) -> torch.Tensor:
    """DCT-II over the last two axes."""
    if _use_native(x):
        return _native(scipy.fft.dctn, x, (-2, -1))
    return dct(dct(x, -1), -2)


def idct2(coefficients: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`dct2`."""
    if _use_native(coefficients):
        return _native(scipy.fft.idctn, coefficients, (-2, -1))
    return idct(idct(coefficients, -2), -1)


def _use_native(x: torch.Tensor) -> bool:
    return x.device.type == "cpu"


def _native(transform, x: torch.Tensor, axes) -> torch.Tensor:
    """scipy's type-2 ``transform`` of a CPU tensor over ``axes``, on torch's thread count."""
    key = "axes" if isinstance(axes, tuple) else "axis"
    return torch.from_numpy(transform(x.detach().numpy(), type=2,
                                      workers=torch.get_num_threads(), **{key: axes}))


def _alternating(x: torch.Tensor, dim: int) -> torch.Tensor:
    """(−1)ⁿ along ``dim``, shaped to broadcast against ``x``."""
    n = x.shape[dim]
    signs = 1.0 - 2.0 * (torch.arange(n, device=x.device) % 2).to(x.dtype)
    return signs.reshape([n if d == dim % x.ndim else 1 for d in range(x.ndim)])


def _even_then_odd_reversed(n: int, device) -> torch.Tensor:
    """Makhoul's reordering: x[0], x[2], x[4], …, then the odd samples backwards."""
    return torch.cat([torch.arange(0, n, 2, device=device),
                      torch.arange(1, n, 2, device=device).flip(0)])


def _twiddle(n: int, sign: float, like: torch.Tensor, dim: int, keep: int,
             scale: float) -> torch.Tensor:
    """scale·exp(sign·iπk/2N), k < ``keep``, along ``dim``, in the complex type of ``like``."""
    angle = torch.arange(keep, device=like.device, dtype=torch.float64) * (sign * math.pi / (2 * n))
    factor = torch.polar(torch.full_like(angle, scale), angle).to(
        torch.complex64 if like.dtype == torch.float32 else torch.complex128)
    return factor.reshape([keep if d == dim % like.ndim else 1 for d in range(like.ndim)])
