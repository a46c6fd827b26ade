"""Cosine and sine transforms (DCT-II / DST-II and their inverses) along one axis, in torch FFTs.

They are the Fourier transform of the half-sample-symmetric (mirror) extension, computed with an
N-point real FFT by Makhoul's reorder-and-twiddle (1980) instead of a 2N-point one, so a spectral
solver gets Neumann boundaries at a quarter of the cost in 2D. Unnormalised: ``X[k] = Σₙ x[n]
cos(πk(n+½)/N)``; sine coefficients sit at k = 1…N−1 (index 0 and the Nyquist term k = N are 0).
"""
from __future__ import annotations

import math

import torch


def dct(x: torch.Tensor, dim: int) -> torch.Tensor:
    """DCT-II of a real tensor along ``dim``."""
    n, keep = x.shape[dim], x.shape[dim] // 2 + 1
    order = _even_then_odd_reversed(n, x.device)
    # With Z = e^{−iπk/2N}·V[k] on the rfft half: X[k] = Re Z[k] and X[N−k] = −Im Z[k].
    twisted = torch.fft.rfft(x.index_select(dim, order), dim=dim) * _twiddle(n, -1.0, x, dim, keep)
    tail = torch.arange(n - keep, 0, -1, device=x.device)
    return torch.cat([twisted.real, twisted.imag.index_select(dim, tail).neg_()], dim)


def idct(coefficients: torch.Tensor, dim: int) -> torch.Tensor:
    """Inverse of :func:`dct` (a scaled DCT-III) along ``dim``."""
    c = coefficients
    n, keep = c.shape[dim], c.shape[dim] // 2 + 1
    mirrored = c.index_select(dim, torch.arange(n - 1, n - keep, -1, device=c.device)).neg_()
    imaginary = torch.cat([torch.zeros_like(c.narrow(dim, 0, 1)), mirrored], dim)
    spectrum = _twiddle(n, 1.0, c, dim, keep) * torch.complex(c.narrow(dim, 0, keep), imaginary)
    reordered = torch.fft.irfft(spectrum, n=n, dim=dim)
    return reordered.index_select(dim, torch.argsort(_even_then_odd_reversed(n, c.device)))


def dst(x: torch.Tensor, dim: int) -> torch.Tensor:
    """DST-II along ``dim``, coefficient k of ``sin(πk(n+½)/N)`` at index k (k = N dropped)."""
    return _reverse_shift(dct(x * _alternating(x, dim), dim), dim)


def idst(coefficients: torch.Tensor, dim: int) -> torch.Tensor:
    """Inverse of :func:`dst` for coefficients without a Nyquist term."""
    return idct(_reverse_shift(coefficients, dim), dim) * _alternating(coefficients, dim)


def _reverse_shift(c: torch.Tensor, dim: int) -> torch.Tensor:
    """c[N−k] at index k ≥ 1 and 0 at index 0 (maps sin(πk(n+½)/N) onto (−1)ⁿcos(π(N−k)(n+½)/N))."""
    c = c.movedim(dim, -1)
    shifted = torch.cat([torch.zeros_like(c[..., :1]), c[..., 1:].flip(-1)], dim=-1)
    return shifted.movedim(-1, dim)


def _alternating(x: torch.Tensor, dim: int) -> torch.Tensor:
    """(−1)ⁿ along ``dim``, shaped to broadcast against ``x``."""
    n = x.shape[dim]
    signs = 1.0 - 2.0 * (torch.arange(n, device=x.device) % 2).to(x.dtype)
    return signs.reshape([n if d == dim % x.ndim else 1 for d in range(x.ndim)])


def _even_then_odd_reversed(n: int, device) -> torch.Tensor:
    """Makhoul's reordering: x[0], x[2], x[4], …, then the odd samples backwards."""
    return torch.cat([torch.arange(0, n, 2, device=device),
                      torch.arange(1, n, 2, device=device).flip(0)])


def _twiddle(n: int, sign: float, like: torch.Tensor, dim: int, keep: int) -> torch.Tensor:
    """exp(sign·iπk/2N), k < ``keep``, along ``dim``, in the complex type matching ``like``."""
    angle = torch.arange(keep, device=like.device, dtype=torch.float64) * (sign * math.pi / (2 * n))
    factor = torch.polar(torch.ones_like(angle), angle).to(
        torch.complex64 if like.dtype == torch.float32 else torch.complex128)
    return factor.reshape([keep if d == dim % like.ndim else 1 for d in range(like.ndim)])
