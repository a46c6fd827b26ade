"""Padding to an FFT-friendly size, so circular convolution never wraps one edge onto another."""
from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy.fft import next_fast_len


def fft_grid(shape: Sequence[int],
             psf_shape: Sequence[int]) -> tuple[tuple[int, ...], tuple[slice, ...]]:
    """The shape an image of ``shape`` is padded to (at least half the PSF on every side, up to
    a fast FFT length) and the slices that cut the original region back out of it."""
    padded, crop = [], []
    for n, p in zip(shape, psf_shape):
        size = next_fast_len(n + 2 * (p // 2), real=True)
        before = (size - n) // 2
        padded.append(size)
        crop.append(slice(before, before + n))
    return tuple(padded), tuple(crop)


def pad_for_fft(image: np.ndarray,
                psf_shape: Sequence[int]) -> tuple[np.ndarray, tuple[slice, ...]]:
    """Mirror-pad ``image`` onto its :func:`fft_grid`; return it and the slices of the original."""
    padded, crop = fft_grid(image.shape, psf_shape)
    pads = [(c.start, size - c.stop) for size, c in zip(padded, crop)]
    return np.pad(image, pads, mode="symmetric"), crop
