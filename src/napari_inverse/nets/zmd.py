"""Zero-Mean Diffusion (della Maggiora et al., AAAI 2025): a mean network plus CVDM on the
normalised residual, for phase retrieval (references.md §4.1).

μ = MeanNet(x) is trained with 2·(y − μ)²; the diffusion (`nets.cvdm.CVDM`, its learned schedule
kept) runs on r = (y − stopgrad(μ))/σ conditioned on [x, μ], and a sample is μ + σ·r̂. Here the
condition's last channel is a classical TIE estimate in radians and the mean network learns the
correction to it, so the physical scale (wavelength, defocus, pixel size) reaches the network.
Phase has no absolute level: residuals are compared with their piston (spatial mean) removed.
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

    ``condition_channels`` counts the condition's channels, the last being the TIE phase (rad);
    ``residual_sigma_rad`` is σ, the residual's normalising scale (rad; the reference's 0.5 of its
    [−1, 1] range).
    ``forward`` is the mean: the fast deterministic output.
    """

    def __init__(self, condition_channels: int = 3, mean_width: int = 16, mean_depth: int = 3,
                 width: int = 16, depth: int = 3, schedule_width: int = 8,
                 time_hidden: int = 1024, residual_sigma_rad: float = 0.25) -> None:
        super().__init__()
        self.residual_sigma_rad = residual_sigma_rad
        self.mean_net = UNet(ndim=2, in_channels=condition_channels, out_channels=1,
                             depth=mean_depth, first_filters=mean_width, kernel_size=3,
                             residual=False)
        self.diffusion = CVDM(width, depth, schedule_width, time_hidden=time_hidden, channels=1,
                              condition_channels=condition_channels + 1)

    def forward(self, condition: torch.Tensor) -> torch.Tensor:
        """μ: the TIE channel corrected by the mean network."""
        return condition[:, -1:] + self.mean_net(condition)

    def diffusion_condition(self, condition: torch.Tensor, mean: torch.Tensor) -> torch.Tensor:
        return torch.cat([condition, mean.detach()], dim=1)


def zmd_loss(model: ZMD, condition: torch.Tensor, target: torch.Tensor,
             generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """2·mean((y − μ)²) + CVDM's loss on r = (y − stopgrad(μ))/σ, both without piston."""
    mean = model(condition).float()
    error = _without_piston(target.float() - mean)
    residual = error.detach() / model.residual_sigma_rad
    return (MEAN_WEIGHT * (error**2).mean()
            + diffusion_loss(model.diffusion, model.diffusion_condition(condition, mean),
                             residual, generator))


def zmd_sample(model: ZMD, condition: torch.Tensor, samples: int, steps: int,
               generator: Optional[torch.Generator] = None,
               on_step: Optional[Callable[[], None]] = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(μ (1, 1, H, W), ``samples`` draws μ + σ·r̂ (N, 1, H, W)) for one condition (1, C, H, W);
    the mean network runs once, the diffusion ``steps`` times (``on_step`` after each)."""
    mean = model(condition)
    residuals = sample(model.diffusion, model.diffusion_condition(condition, mean), samples,
                       steps, generator, on_step=on_step)
    return mean.float(), mean.float() + model.residual_sigma_rad * residuals
