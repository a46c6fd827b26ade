"""Mirror padding to an FFT-friendly size, so circular convolution never wraps one edge onto another."""
from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy.fft import next_fast_len


def pad_for_fft(image: np.ndarray, psf_shape: Sequence[int]) -> tuple[np.ndarray, tuple[slice, ...]]:
    """Mirror-pad ``image`` by at least half the PSF on every side, up to a fast FFT length.

    Returns the padded array and the slices that cut the original region back out of it.
    """
    pads, crop = [], []
    for n, p in zip(image.shape, psf_shape):
        margin = p // 2
        total = next_fast_len(n + 2 * margin, real=True) - n
        before = total // 2
        pads.append((before, total - before))
        crop.append(slice(before, before + n))
    return np.pad(image, pads, mode="symmetric"), tuple(crop)
