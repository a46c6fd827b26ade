"""FFT convolution with a PSF, in torch so it runs on a GPU when one is present."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch


def psf_to_otf(psf: np.ndarray, shape: Sequence[int], device: torch.device) -> torch.Tensor:
    """Real-FFT optical transfer function of ``psf`` for arrays of ``shape``.

    The PSF's centre pixel is moved to the origin so convolving does not shift the image.
    Leading axes of ``psf`` beyond ``len(shape)`` are a batch (e.g. PSFs at several defocus
    distances), transformed in one FFT call.
    """
    batch = psf.ndim - len(shape)
    spatial = psf.shape[batch:]
    if batch < 0 or any(p > s for p, s in zip(spatial, shape)):
        raise ValueError(f"PSF of shape {psf.shape} does not fit in an array of shape {tuple(shape)}")
    kernel = torch.zeros((*psf.shape[:batch], *shape), dtype=torch.float32, device=device)
    region = (Ellipsis, *(slice(0, p) for p in spatial))
    kernel[region] = torch.as_tensor(np.ascontiguousarray(psf), dtype=torch.float32, device=device)
    dims = tuple(range(batch, kernel.ndim))
    kernel = torch.roll(kernel, shifts=tuple(-(p // 2) for p in spatial), dims=dims)
    return torch.fft.rfftn(kernel, dim=dims)


def fft_convolve(image: torch.Tensor, otf: torch.Tensor) -> torch.Tensor:
    """Circular convolution of ``image`` with the PSF whose OTF is ``otf`` (same shape)."""
    dims = tuple(range(-image.ndim, 0))
    return torch.fft.irfftn(torch.fft.rfftn(image) * otf, s=image.shape, dim=dims)
