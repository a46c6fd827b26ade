"""The in-focus U-Net as a BioImage Model Zoo package runs it: the depth of field built in."""
from __future__ import annotations

import torch

from .unet import UNet


class DepthOfFieldUNet(UNet):
    """`UNet` that appends its last input channel, the constant depth of field in planes the
    in-focus network reads, itself: a package's one input is percentile-scaled, which would
    scale that constant too. Its weights are the UNet's; the constant is one microscope's."""

    def __init__(self, depth_of_field_channel: float, **architecture) -> None:
        super().__init__(**architecture)
        self.depth_of_field_channel = float(depth_of_field_channel)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        constant = torch.full_like(x[:, :1], self.depth_of_field_channel)
        return super().forward(torch.cat([x, constant], dim=1))
