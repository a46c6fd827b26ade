"""Wiener (Tikhonov-regularised) deconvolution: x̂ = F⁻¹[ H* Y / (|H|² + λ) ], one FFT pass."""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch
from scipy.signal import convolve2d

from ..engine.progress import ProgressReporter
from ..optics.convolution import psf_to_otf
from ..optics.padding import pad_for_fft


def estimate_wiener_balance(image: np.ndarray) -> float:
    """Noise-to-signal power ratio λ = σ²/var(image), σ by Immerkær's estimator.

    A flat-spectrum stand-in for the Wiener filter's S_noise/S_signal: more noise, more damping.
    """
    sigma = estimate_noise_sigma(image)
    variance = float(np.var(image))
    if variance <= 0:
        return 1e-2
    return float(np.clip(sigma**2 / variance, 1e-5, 1.0))


def estimate_noise_sigma(image: np.ndarray) -> float:
    """Gaussian noise σ of a 2-D or 3-D image (Immerkær 1996), averaged over its YX planes.

    The 3×3 kernel below cancels locally planar signal, so what remains is mostly noise.
    """
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float64)
    planes = image.reshape(-1, *image.shape[-2:]).astype(np.float64)
    total = sum(np.abs(convolve2d(plane, kernel, mode="valid")).sum() for plane in planes)
    count = planes.shape[0] * (planes.shape[1] - 2) * (planes.shape[2] - 2)
    return float(np.sqrt(np.pi / 2) * total / (6 * max(count, 1)))


def wiener(
    image: np.ndarray,
    psf: np.ndarray,
    balance: Optional[float] = None,
    device: torch.device = torch.device("cpu"),
    reporter: Optional[ProgressReporter] = None,
) -> np.ndarray:
    """Deconvolve a 2-D or 3-D ``image`` by ``psf``; ``balance`` λ defaults to an estimate from the image."""
    if balance is None:
        balance = estimate_wiener_balance(image)
    if not balance > 0:
        raise ValueError(f"Wiener balance (regularization) must be positive, got {balance}")
    padded, crop = pad_for_fft(image, psf.shape)
    dims = tuple(range(padded.ndim))
    with torch.inference_mode():
        observed = torch.as_tensor(padded, dtype=torch.float32, device=device)
        otf = psf_to_otf(psf / psf.sum(), observed.shape, device)
        filt = otf.conj() / (otf.abs() ** 2 + balance)
        restored = torch.fft.irfftn(torch.fft.rfftn(observed) * filt, s=observed.shape, dim=dims)
        result = restored[crop].cpu().numpy().astype(np.float32, copy=False)
    if reporter is not None:
        reporter.step("Wiener")
    if image.min() >= 0:
        np.clip(result, 0, None, out=result)
    return result
