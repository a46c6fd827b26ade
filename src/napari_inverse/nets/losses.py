"""Training losses of the ported networks, written from the reference recipes (references.md).

- `bcr_loss` / `mrbcr_loss`: m-rBCR's MSE plus a row-wise Fourier L1 term, summed over scales.
- `laplace_nll`: CARE's probabilistic loss for a Laplace distribution per pixel.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .bcr_blocks import subsample_scales

FOURIER_WEIGHT = 0.5
"""Weight of the Fourier term in the m-rBCR loss (`util/loss_func.py`)."""


def bcr_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """MSE + 0.5 * mean |FFT_W(target) - FFT_W(prediction)| for (batch, 1, H, W) tensors.

    The reference calls `tf.signal.rfft2d` on NHWC data, which transforms the two innermost axes
    (W and the single channel): that is a full complex 1-D FFT of each row, unnormalised, not a
    2-D spectrum (references.md §1.3).
    """
    if prediction.shape != target.shape:
        raise ValueError(
            f"prediction and target shapes differ: {tuple(prediction.shape)} vs "
            f"{tuple(target.shape)}"
        )
    mse = torch.mean((prediction - target) ** 2)
    spectral = torch.fft.fft(target, dim=-1) - torch.fft.fft(prediction, dim=-1)
    return mse + FOURIER_WEIGHT * spectral.abs().mean()


def mrbcr_loss(outputs: tuple[torch.Tensor, ...], target: torch.Tensor) -> torch.Tensor:
    """Sum of `bcr_loss` over the m-rBCR outputs `(z0, z2, z4)`.

    `target` is the full-resolution ground truth; it is subsampled by the same strided slicing
    (`[::2, ::2]`, `[::4, ::4]`) that builds the network's coarser inputs.
    """
    targets = subsample_scales(target)
    if len(outputs) != len(targets):
        raise ValueError(f"expected {len(targets)} outputs (z0, z2, z4), got {len(outputs)}")
    return sum(bcr_loss(z, t) for z, t in zip(outputs, targets))


def laplace_nll(loc: torch.Tensor, scale: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood of `target` under Laplace(loc, scale), per pixel.

    `|loc - y| / scale + log(scale) + log 2`, as csbdeep trains its probabilistic CARE models; the
    scale must be positive (the U-Net's softplus head guarantees it).
    """
    return torch.mean(torch.abs(loc - target) / scale + torch.log(scale) + math.log(2.0))


def focus_loss(logits: torch.Tensor, mask: torch.Tensor, focal_gamma: float = 2.0,
               focal_alpha: float = 0.25, bce_weight: float = 0.005) -> torch.Tensor:
    """Dice + focal + 0.005·BCE of in-focus logits against a 0/1 mask (Li et al. 2023's loss,
    as segmentation_models defines its terms: soft Dice over the batch, focal α 0.25, γ 2)."""
    probability = torch.sigmoid(logits)
    overlap = (probability * mask).sum()
    dice = 1 - (2 * overlap + 1e-5) / (probability.sum() + mask.sum() + 1e-5)
    bce = F.binary_cross_entropy_with_logits(logits, mask, reduction="none")
    agreeing = torch.where(mask > 0.5, probability, 1 - probability)
    weight = torch.where(mask > 0.5, focal_alpha, 1 - focal_alpha)
    focal = (weight * (1 - agreeing) ** focal_gamma * bce).mean()
    return dice + focal + bce_weight * bce.mean()
