"""Padding to an FFT-friendly size, so circular convolution never wraps one edge onto another."""
from __future__ import annotations

import math
from typing import Callable, Optional, Sequence

import numpy as np
import torch
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


def pad_for_fft_tensor(image: np.ndarray, psf_shape: Sequence[int], device: torch.device,
                       between: Optional[Callable[[], None]] = None
                       ) -> tuple[torch.Tensor, tuple[slice, ...]]:
    """:func:`pad_for_fft` as a float32 tensor on ``device``, copied plane by plane with
    ``between()`` (a cancel check) after each slab; one numpy call padding a 256×512² stack
    ran for about a second with no way to stop it."""
    grid, crop = fft_grid(image.shape, psf_shape)
    if any(c.start > n or size - c.stop > n for c, n, size in zip(crop, image.shape, grid)):
        padded, crop = pad_for_fft(image, psf_shape)  # pads wider than the image: numpy's rule
        return torch.as_tensor(padded, dtype=torch.float32, device=device), crop
    out = torch.empty(grid, dtype=torch.float32, device=device)
    inner = out[crop]
    step = max(1, (1 << 22) // max(math.prod(image.shape[1:]), 1))
    for start in range(0, image.shape[0], step):
        part = slice(start, start + step)
        inner[part] = torch.as_tensor(np.asarray(image[part]), dtype=torch.float32, device=device)
        if between is not None:
            between()
    for axis, (c, size) in enumerate(zip(crop, grid)):  # symmetric: the edge pixel repeats
        before, after = c.start, size - c.stop
        if before:
            out.narrow(axis, 0, before).copy_(out.narrow(axis, before, before).flip(axis))
        if after:
            mirrored = out.narrow(axis, c.stop - after, after).flip(axis)
            out.narrow(axis, c.stop, after).copy_(mirrored)
    return out, crop
