"""Zero-Mean Diffusion (della Maggiora et al., AAAI 2025): a mean network plus CVDM on the
normalised residual (references.md §4.1; the CVDM reference's ``zmd`` option).

μ = MeanNet(x) is trained with 2·(y − μ)²; the diffusion (`nets.cvdm.CVDM`, its learned schedule
kept) runs on r = (y − stopgrad(μ))/σ conditioned on [x, μ], and a sample is μ + σ·r̂. The
condition's last channel is the classical estimate the mean network corrects: for phase a TIE
phase in radians (so the physical scale reaches the network), for super-resolution the widefield
image itself. Phase has no absolute level: its residuals are compared without their piston.
"""
from __future__ import annotations

from typing import Callable, Optional

import torch
from torch import nn

from .cvdm import CVDM
from .diffusion import diffusion_loss, sample
from .unet import UNet

MEAN_WEIGHT = 2.0  # the reference's loss weight of (y − μ)²


def _without_piston(image: torch.Tensor) -> torch.Tensor:
    return image - image.mean(dim=(-2, -1), keepdim=True)


class ZMD(nn.Module):
    """Mean network and conditional diffusion of ZMD for a (B, C, H, W) condition → (B, 1, H, W).

    ``condition_channels`` counts the condition's channels, the last being the estimate μ
    corrects; ``residual_sigma`` is σ, the residual's normalising scale in the target's units
    (rad for phase; the reference's 0.5 of its [−1, 1] range); ``ignore_piston`` compares
    residuals without their spatial mean (phase); ``residual_limit`` (None: none) clips the
    sampler's estimates of r to ±limit, the range training residuals span. ``forward`` is the
    mean: the fast deterministic output.
    """

    def __init__(self, condition_channels: int = 3, mean_width: int = 16, mean_depth: int = 3,
                 width: int = 16, depth: int = 3, schedule_width: int = 8,
                 time_hidden: int = 1024, residual_sigma: float = 0.25,
                 ignore_piston: bool = True, residual_limit: Optional[float] = None) -> None:
        super().__init__()
        self.residual_limit = residual_limit
        self.residual_sigma = residual_sigma
        self.ignore_piston = ignore_piston
        self.mean_net = UNet(ndim=2, in_channels=condition_channels, out_channels=1,
                             depth=mean_depth, first_filters=mean_width, kernel_size=3,
                             residual=False)
        self.diffusion = CVDM(width, depth, schedule_width, time_hidden=time_hidden, channels=1,
                              condition_channels=condition_channels + 1)

    def forward(self, condition: torch.Tensor) -> torch.Tensor:
        """μ: the condition's last channel corrected by the mean network."""
        return condition[:, -1:] + self.mean_net(condition)

    def diffusion_condition(self, condition: torch.Tensor, mean: torch.Tensor) -> torch.Tensor:
        return torch.cat([condition, mean.detach()], dim=1)


def zmd_loss(model: ZMD, condition: torch.Tensor, target: torch.Tensor,
             generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """2·mean((y − μ)²) + CVDM's loss on r = (y − stopgrad(μ))/σ (without piston for phase)."""
    mean = model(condition).float()
    error = target.float() - mean
    if model.ignore_piston:
        error = _without_piston(error)
    residual = error.detach() / model.residual_sigma
    return (MEAN_WEIGHT * (error**2).mean()
            + diffusion_loss(model.diffusion, model.diffusion_condition(condition, mean),
                             residual, generator))


ToImage = Callable[[torch.Tensor], torch.Tensor]


def residual_sampling(model: ZMD,
                      condition: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, ToImage]:
    """(μ as float, the diffusion's condition [x, μ], the map r̂ ↦ μ + σ·r̂): what sampling a
    ZMD model needs, for the phase verb and super-resolution alike."""
    mean = model(condition)
    scale = model.residual_sigma
    return mean.float(), model.diffusion_condition(condition, mean), (
        lambda residual: mean.float() + scale * residual)


def zmd_sample(model: ZMD, condition: torch.Tensor, samples: int, steps: int,
               generator: Optional[torch.Generator] = None,
               on_step: Optional[Callable[[], None]] = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(μ (1, 1, H, W), ``samples`` draws μ + σ·r̂ (N, 1, H, W)) for one condition (1, C, H, W);
    the mean network runs once, the diffusion ``steps`` times (``on_step`` after each)."""
    mean, diffusion_condition, to_image = residual_sampling(model, condition)
    residuals = sample(model.diffusion, diffusion_condition, samples, steps, generator,
                       on_step=on_step, limit=model.residual_limit)
    return mean, to_image(residuals)
