"""FFT convolution with a PSF, in torch so it runs on a GPU when one is present."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from .sliced_fft import Between, sliced_rfftn


def psf_to_otf(psf: np.ndarray, shape: Sequence[int], device: torch.device,
               between: Between = None) -> torch.Tensor:
    """Real-FFT optical transfer function of ``psf`` for arrays of ``shape``.

    The PSF's centre pixel is moved to the origin so convolving does not shift the image.
    Leading axes of ``psf`` beyond ``len(shape)`` are a batch (e.g. PSFs at several defocus
    distances), transformed in one FFT call. Given ``between`` (a cancel check), a single PSF
    is transformed slice by slice, calling it after each slice (`optics.sliced_fft`).
    """
    batch = psf.ndim - len(shape)
    spatial = psf.shape[batch:]
    if batch < 0 or any(p > s for p, s in zip(spatial, shape)):
        raise ValueError(
            f"PSF of shape {psf.shape} does not fit in an array of shape {tuple(shape)}")
    kernel = torch.zeros((*psf.shape[:batch], *shape), dtype=torch.float32, device=device)
    # the PSF written with its centre at the origin, wrapping around: no full-size roll
    wrapped = [torch.as_tensor((np.arange(p) - p // 2) % n, device=device).reshape(
        [-1 if a == axis else 1 for a in range(len(spatial))])
        for axis, (p, n) in enumerate(zip(spatial, shape))]
    kernel[(Ellipsis, *wrapped)] = torch.as_tensor(np.ascontiguousarray(psf), dtype=torch.float32,
                                                   device=device)
    dims = tuple(range(batch, kernel.ndim))
    if batch == 0 and between is not None:
        return sliced_rfftn(kernel, between)
    return torch.fft.rfftn(kernel, dim=dims)


def fft_convolve(image: torch.Tensor, otf: torch.Tensor) -> torch.Tensor:
    """Circular convolution of ``image`` with the PSF whose OTF is ``otf`` (same shape)."""
    dims = tuple(range(-image.ndim, 0))
    return torch.fft.irfftn(torch.fft.rfftn(image) * otf, s=image.shape, dim=dims)
