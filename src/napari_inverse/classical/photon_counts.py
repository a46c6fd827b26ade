"""Camera units → photon counts: the gain and offset that make an image's noise Poisson-like.

A camera reports y = g·n + c₀ with n photo-electrons (Poisson) and Gaussian read noise σ_r, so
Var(y) = g·(E[y] − c₀) + σ_r². Written as Var(y) = g·(E[y] − c), with c = c₀ − σ_r²/g, the
image in units z = (y − c)/g has variance equal to its mean, as Poisson counts have (the usual
shifted-Poisson reading of Poisson–Gaussian noise). Slope g and intercept come from a straight-
line fit of local noise variance against local mean, the noise isolated at the frequencies the
OTF does not transmit (as ``classical.wiener`` measures its noise power), so the object adds none.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch

from ..optics.convolution import psf_to_otf
from ..optics.padding import pad_for_fft

OUT_OF_BAND = 1e-6
"""|H|² below this (of 1 at zero frequency) counts as not transmitted, as in ``wiener``."""
MIN_NOISE_FRACTION = 0.05
"""Where fewer frequencies than this are out of band (pixels coarser than Nyquist), the least
transmitted fraction is used instead: there the object's power is weakest."""
BLOCK = {2: (16, 16), 3: (4, 8, 8)}
"""The blocks whose mean and noise variance are measured: wider than the noise filter's reach
(few out-of-band frequencies in 2-D make it long; in 3-D the missing cone adds many)."""
GROUPS = 12
"""Blocks are grouped by mean into this many equal-count groups; each group's medians are one
point of the fit (robust to the odd block where the object leaks out of band)."""
MIN_RISE = 0.25
"""Below this relative rise of the noise variance from the darkest to the brightest group, the
noise is taken not to grow with brightness (a slope that small is within the fit's scatter)."""


@dataclass(frozen=True)
class PhotonScale:
    """``gain`` (image units per photon) and ``offset`` (the image value of zero counts,
    read noise included as a negative shift): counts = (image − offset) / gain."""

    gain: float
    offset: float

    def counts(self, image: np.ndarray) -> np.ndarray:
        """``image`` as whole non-negative photon counts (int64)."""
        return np.rint(np.clip((np.asarray(image, dtype=np.float64) - self.offset) / self.gain,
                               0, None)).astype(np.int64)


def estimate_photon_scale(image: np.ndarray, psf: np.ndarray) -> Optional[PhotonScale]:
    """The gain and offset of ``image`` (2-D or 3-D) seen through ``psf``, or None where its noise
    does not grow with brightness (already denoised, or not Poisson at all)."""
    noise = _out_of_band_noise(np.asarray(image, dtype=np.float32), psf)
    means, powers = _block_statistics(np.asarray(image, dtype=np.float64), noise)
    if means.size < 2 * GROUPS:
        return None
    order = np.argsort(means)
    groups = np.array_split(order, GROUPS)
    x = np.array([np.median(means[g]) for g in groups])
    v = np.array([np.median(powers[g]) for g in groups])
    if np.ptp(x) <= 0:
        return None
    slope, intercept = np.polyfit(x, v, 1)
    if not slope * np.ptp(x) > MIN_RISE * max(float(np.min(v)), 1e-30):
        return None
    return PhotonScale(gain=float(slope), offset=float(-intercept / slope))


def _out_of_band_noise(image: np.ndarray, psf: np.ndarray) -> np.ndarray:
    """The image filtered to the frequencies the OTF does not transmit, scaled so that white noise
    keeps its variance: noise only, with the local variance of the image's noise."""
    padded, crop = pad_for_fft(image, psf.shape)  # mirrored: no wrap-around edge to leak
    with torch.inference_mode():
        otf_power = psf_to_otf(psf / psf.sum(), padded.shape, torch.device("cpu")).abs().square_()
        threshold = max(OUT_OF_BAND, float(torch.quantile(
            otf_power.flatten()[:: max(1, otf_power.numel() // 1_000_000)], MIN_NOISE_FRACTION)))
        keep = otf_power <= threshold
        weights = torch.full(keep.shape[-1:], 2.0)  # the half-spectrum's columns stand for two
        weights[0] = 1.0
        if padded.shape[-1] % 2 == 0:
            weights[-1] = 1.0
        kept_fraction = float((keep * weights).sum()) / float(np.prod(padded.shape))
        spectrum = torch.fft.rfftn(torch.as_tensor(padded)) * keep
        filtered = torch.fft.irfftn(spectrum, s=padded.shape)[crop]
        return (filtered / np.sqrt(kept_fraction)).numpy()


def _block_statistics(image: np.ndarray, noise: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean of ``image`` and mean square of ``noise`` in every whole block away from the border
    (where the filter's reach meets the mirrored padding)."""
    sides = BLOCK[image.ndim]
    inner = tuple(slice(s if n >= 3 * s else 0, n - s if n >= 3 * s else n)
                  for s, n in zip(sides, image.shape))
    image, noise = image[inner], noise[inner]
    counts = [n // s for n, s in zip(image.shape, sides)]
    if 0 in counts:
        return np.empty(0), np.empty(0)
    cut = tuple(slice(0, c * s) for c, s in zip(counts, sides))
    shape = [v for c, s in zip(counts, sides) for v in (c, s)]
    axes = tuple(range(1, 2 * image.ndim, 2))
    means = image[cut].reshape(shape).mean(axis=axes).ravel()
    powers = np.square(noise[cut]).reshape(shape).mean(axis=axes).ravel()
    return means, powers
