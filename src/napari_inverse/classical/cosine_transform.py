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
    x = x.movedim(dim, -1)
    n = x.shape[-1]
    reordered = torch.cat([x[..., 0::2], x[..., 1::2].flip(-1)], dim=-1)
    # With Z = e^{−iπk/2N}·V[k] on the rfft half: X[k] = Re Z[k] and X[N−k] = −Im Z[k].
    twisted = torch.fft.rfft(reordered) * _twiddle(n, -1.0, x)[: n // 2 + 1]
    out = torch.cat([twisted.real, -twisted.imag[..., 1: n - n // 2].flip(-1)], dim=-1)
    return out.movedim(-1, dim)


def idct(coefficients: torch.Tensor, dim: int) -> torch.Tensor:
    """Inverse of :func:`dct` (a scaled DCT-III) along ``dim``."""
    c = coefficients.movedim(dim, -1)
    n = c.shape[-1]
    keep = n // 2 + 1
    mirrored = torch.cat([torch.zeros_like(c[..., :1]), c[..., n - keep + 1:].flip(-1)], dim=-1)
    spectrum = _twiddle(n, 1.0, c)[:keep] * torch.complex(c[..., :keep], -mirrored)
    reordered = torch.fft.irfft(spectrum, n=n)
    x = torch.empty_like(reordered)
    x[..., 0::2] = reordered[..., : (n + 1) // 2]
    x[..., 1::2] = reordered[..., (n + 1) // 2:].flip(-1)
    return x.movedim(-1, dim)


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


def _twiddle(n: int, sign: float, like: torch.Tensor) -> torch.Tensor:
    """exp(sign·iπk/2N), k = 0…N−1, in the complex type matching ``like``."""
    angle = torch.arange(n, device=like.device, dtype=torch.float64) * (sign * math.pi / (2 * n))
    return torch.polar(torch.ones_like(angle), angle).to(
        torch.complex64 if like.dtype == torch.float32 else torch.complex128)
