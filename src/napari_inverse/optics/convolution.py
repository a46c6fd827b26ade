"""FFT convolution with a PSF, in torch so it runs on a GPU when one is present."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch


def psf_to_otf(psf: np.ndarray, shape: Sequence[int], device: torch.device) -> torch.Tensor:
    """Real-FFT optical transfer function of ``psf`` for arrays of ``shape``.

    The PSF's centre pixel is moved to the origin so convolving does not shift the image.
    """
    if any(p > s for p, s in zip(psf.shape, shape)):
        raise ValueError(f"PSF of shape {psf.shape} does not fit in an array of shape {tuple(shape)}")
    kernel = torch.zeros(tuple(shape), dtype=torch.float32, device=device)
    region = tuple(slice(0, p) for p in psf.shape)
    kernel[region] = torch.as_tensor(np.ascontiguousarray(psf), dtype=torch.float32, device=device)
    shifts = tuple(-(p // 2) for p in psf.shape)
    kernel = torch.roll(kernel, shifts=shifts, dims=tuple(range(kernel.ndim)))
    return torch.fft.rfftn(kernel)


def fft_convolve(image: torch.Tensor, otf: torch.Tensor) -> torch.Tensor:
    """Circular convolution of ``image`` with the PSF whose OTF is ``otf`` (same shape)."""
    dims = tuple(range(-image.ndim, 0))
    return torch.fft.irfftn(torch.fft.rfftn(image) * otf, s=image.shape, dim=dims)
