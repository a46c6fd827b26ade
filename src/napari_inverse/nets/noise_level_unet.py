"""The denoiser of a conditional diffusion model: a U-Net told the noise level by a γ map.

As in CVDM's reference U-Net (references.md §2.3) the per-pixel signal fraction γ is embedded by a
7×7 convolution with softplus and added to the features; here it is re-projected by a 1×1
convolution into every level (as SR3's resblocks do), so the width can shrink for a CPU without
losing the noise level in the deep levels. No normalisation layers: a tile's statistics must not
change the result, or tiled sampling would show seams.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .padding import crop_to, pad_to_multiple
from .stage_check import between_stages


class _LevelBlock(nn.Module):
    """Two 3×3 convolutions with SiLU; the noise-level features are added after the first."""

    def __init__(self, in_channels: int, width: int, embedding: int) -> None:
        super().__init__()
        self.first = nn.Conv2d(in_channels, width, 3, padding=1)
        self.level = nn.Conv2d(embedding, width, 1)
        self.second = nn.Conv2d(width, width, 3, padding=1)

    def forward(self, x: torch.Tensor, noise_level: torch.Tensor) -> torch.Tensor:
        x = F.silu(self.first(x) + self.level(noise_level))
        x = F.silu(self.second(x))
        between_stages()
        return x


class NoiseLevelUNet(nn.Module):
    """Predicts the noise ε in ``y_t`` from ``(y_t, condition)`` and the γ map (all B×C×H×W).

    Level n has ``width · 2**n`` channels (n = 0 … ``depth``); max-pool down, nearest up, skip
    concatenation; a 1×1 head gives ``out_channels``. Any spatial size is accepted (mirror-padded
    to a multiple of ``2**depth`` and cropped back).
    """

    def __init__(self, target_channels: int = 1, condition_channels: int = 1, width: int = 32,
                 depth: int = 3) -> None:
        super().__init__()
        if width < 1 or depth < 1:
            raise ValueError(f"width and depth must be ≥ 1, got width={width}, depth={depth}")
        self.depth = depth
        widths = [width * 2**level for level in range(depth + 1)]
        self.embed = nn.Conv2d(target_channels, width, 7, padding=3)
        self.encoders = nn.ModuleList()
        channels = target_channels + condition_channels
        for level in range(depth + 1):
            self.encoders.append(_LevelBlock(channels, widths[level], width))
            channels = widths[level]
        self.decoders = nn.ModuleList(
            _LevelBlock(widths[level + 1] + widths[level], widths[level], width)
            for level in reversed(range(depth)))
        self.head = nn.Conv2d(width, target_channels, 1)

    def forward(self, noisy: torch.Tensor, condition: torch.Tensor,
                gamma: torch.Tensor) -> torch.Tensor:
        size = tuple(noisy.shape[2:])
        multiple = 2**self.depth
        noisy, condition, gamma = (pad_to_multiple(t, multiple, 2)
                                   for t in (noisy, condition, gamma))
        levels = [F.softplus(self.embed(gamma))]
        for _ in range(self.depth):
            levels.append(F.avg_pool2d(levels[-1], 2))
        features = torch.cat([noisy, condition], dim=1)
        skips = []
        for level, encode in enumerate(self.encoders):
            if level:
                features = F.max_pool2d(features, 2)
            features = encode(features, levels[level])
            skips.append(features)
        for level, decode in zip(reversed(range(self.depth)), self.decoders):
            features = F.interpolate(features, scale_factor=2, mode="nearest")
            features = decode(torch.cat([features, skips[level]], dim=1), levels[level])
        return crop_to(self.head(features), size)
