"""CVDM (della Maggiora et al., ICLR 2024): diffusion with a noise schedule learned per pixel.

A schedule network gives a rate s(x) ≥ 0 per pixel of the condition x; two monotone time networks
give the integrated time T(t) and the β-time τ(t), so that γ(t, x) = exp(−s(x)·T(t)) (the signal
fraction, ᾱ) and β(t, x) = s(x)·τ(t), with T(0) = τ(0) = 0 (references.md §2.1). The denoiser is a
U-Net that takes γ as its noise-level input (§2.3). The machinery that trains and samples any such
model lives in `nets.diffusion`; this module only defines the networks.
"""
from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from .noise_level_unet import NoiseLevelUNet
from .unet import UNet


def _inverse_softplus(value: float) -> float:
    return math.log(math.expm1(value))


class MonotoneTime(nn.Module):
    """τ(t): increasing in t with τ(0) = 0 — the reference's time network as a per-pixel MLP.

    ``l1 = a·t``, ``h = sigmoid(w·l1 + b)``, ``o = v·h``, ``τ = (o + l1)·t`` with a, w, v ≥ 0
    (softplus of free parameters, the reference's NonNeg kernels), so every factor is
    non-negative and non-decreasing in t. The reference's 3×3 convolution on a constant t map
    only adds border effects, hence 1×1 (references.md §2.1, "the clean alternative").
    Initialised to τ(t) ≈ (5 + 5t)·t, a schedule from γ ≈ 1 to γ ≈ 1e-3 for s ≈ 0.7.
    """

    def __init__(self, hidden: int = 1024) -> None:
        super().__init__()
        self.slope = nn.Parameter(torch.tensor(_inverse_softplus(5.0)))
        self.hidden_weight = nn.Parameter(torch.full((hidden,), _inverse_softplus(1.0)))
        self.hidden_bias = nn.Parameter(torch.zeros(hidden))
        self.out_weight = nn.Parameter(torch.full((hidden,), _inverse_softplus(6.0 / hidden)))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        """τ for a tensor of times in [0, 1] (any shape)."""
        l1 = F.softplus(self.slope) * t
        hidden = torch.sigmoid(F.softplus(self.hidden_weight) * l1[..., None] + self.hidden_bias)
        out = (hidden * F.softplus(self.out_weight)).sum(-1)
        return (out + l1) * t


class CVDM(nn.Module):
    """Schedule network, time networks and γ-conditioned denoiser of CVDM for 2-D images.

    ``width``/``depth`` set the denoiser (the reference uses 64 and 4 levels; a CPU-trained model
    a fraction of that); ``schedule_width`` the schedule U-Net (reference 32). ``channels`` is
    the number of target channels, ``condition_channels`` that of the condition (None: as many).
    ``residual_scale`` multiplies the residual y − x the diffusion learns, bringing it nearer the
    unit variance of the noise it is mixed with. It is a `nets.diffusion.ConditionalDiffusion`.
    """

    def __init__(self, width: int = 32, depth: int = 3, schedule_width: int = 16,
                 schedule_depth: int = 2, time_hidden: int = 1024, channels: int = 1,
                 condition_channels: Optional[int] = None, residual_scale: float = 1.0) -> None:
        super().__init__()
        if residual_scale <= 0:
            raise ValueError(f"residual_scale must be > 0, got {residual_scale}")
        self.residual_scale = float(residual_scale)
        condition_channels = condition_channels or channels
        self.schedule_net = UNet(ndim=2, in_channels=condition_channels, out_channels=channels,
                                 depth=schedule_depth, first_filters=schedule_width,
                                 kernel_size=3, residual=False)
        self.integrated_time = MonotoneTime(time_hidden)
        self.beta_time = MonotoneTime(time_hidden)
        self.denoiser = NoiseLevelUNet(channels, condition_channels, width, depth)

    def residual_target(self, condition: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
        """What the diffusion learns for a super-resolved ``image``: the scaled residual."""
        return (image - condition) * self.residual_scale

    def image_from_target(self, condition: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The super-resolved image a drawn target stands for (inverse of `residual_target`)."""
        return condition + target / self.residual_scale

    def schedule_rate(self, condition: torch.Tensor) -> torch.Tensor:
        """s(x) ≥ 0 per pixel (B, C, H, W): how fast each pixel's signal is destroyed."""
        return F.softplus(self.schedule_net(condition))

    def predict_noise(self, noisy: torch.Tensor, condition: torch.Tensor,
                      gamma: torch.Tensor) -> torch.Tensor:
        return self.denoiser(noisy, condition, gamma)
