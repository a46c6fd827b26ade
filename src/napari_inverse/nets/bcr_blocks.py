"""Building blocks of m-rBCR and s-rBCR (Li, Kudryashev, Yakimovich, ECCV 2024).

They follow the graph the released reference configuration actually builds (references.md
§1.1-1.2): with L == L0 the wavelet part of BCR-Net vanishes, leaving per-pixel dense layers, a
fusion block, row-wise 1-D convolutions and residual dense blocks. Keras `Dense` on an image acts
on the channel axis, so it is a 1x1 convolution here; Keras `Conv1D` on an image convolves each
row along W, so it is a (1, 5) convolution.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

SCALES = (1, 2, 4)
"""Subsampling steps of the three m-rBCR inputs and outputs (full, half, quarter resolution)."""


def subsample_scales(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """`x`, `x[::2, ::2]` and `x[::4, ::4]` over the last two axes: the m-rBCR multi-scale inputs.

    Plain strided slicing, no low-pass filter, exactly as the reference scripts build the inputs
    and the targets.
    """
    return tuple(x[..., ::s, ::s] for s in SCALES)


def resize(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear resize with half-pixel centres and no antialiasing, as `tf.image.resize` does."""
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=False)


ROW_BLOCK = 16
"""Output channels of a row-split convolution are padded to a multiple of this (see there)."""


def row_split_conv(weight: torch.Tensor, bias: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """A k x k same-size convolution to one channel (`weight` (1, C, k, k), `bias` (1,)) as a
    1 x k convolution per kernel row, shifted, summed.

    Why: a convolution to a single output channel is the worst case for oneDNN, which vectorises
    over output channels; m-rBCR's 48 -> 1 9x9 output ran at 2.4 GFLOP/s on a 2-core Zen 3 and
    took 12 % of a training step. As nine 1 x 9 rows it is one ordinary 48 -> 16 convolution
    (43 instead of 220 ms at 512² on one core). Row j of the kernel sees input row y + j - k//2,
    so output row y sums row j's response at row y + j - k//2 (zero beyond the image, the padding
    the k x k convolution uses). The rows' responses are summed straight from the channels-last
    map the convolution writes: padding it or making it NCHW first cost more than the
    convolution on a 2-core Zen 5 (29 ms against 16 ms for 3 rows at 768²; the sums take 2 ms).
    Every step is differentiable, so CPU training uses it too.
    """
    k = weight.shape[-1]
    half, height = k // 2, x.shape[-2]
    rows = weight[0].transpose(0, 1).unsqueeze(2)  # (k, C, 1, k): kernel row j -> channel j
    # oneDNN vectorises output channels in blocks of 8 (16 with AVX-512): 9 outputs cost more
    # than 16, so the rows are padded with zero kernels (measured 73 -> 43 ms at 512², 48 ch)
    rows = F.pad(rows, (0, 0, 0, 0, 0, 0, 0, -k % ROW_BLOCK))
    per_row = F.conv2d(x, rows, padding=(0, half))
    out = per_row[:, half:half + 1].clone()  # the centre row sees the output's own row
    for j in range(k):
        shift = j - half
        if abs(shift) >= height:  # this kernel row sees only padding
            continue
        if shift > 0:
            out[:, :, :height - shift] += per_row[:, j:j + 1, shift:]
        elif shift < 0:
            out[:, :, -shift:] += per_row[:, j:j + 1, :height + shift]
    return out.add_(bias.view(1, 1, 1, 1))


class SingleChannelOutput(nn.Conv2d):
    """A k x k same-size convolution to one channel, on a CPU run as `row_split_conv`.

    Elsewhere it stays one convolution: cuDNN was never measured slower on it, and under bf16
    autocast the nine shifted rows would be summed in bf16 instead of accumulated in fp32.
    """

    def __init__(self, in_channels: int, kernel_size: int) -> None:
        super().__init__(in_channels, 1, kernel_size, padding=kernel_size // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type == "cpu":
            return row_split_conv(self.weight, self.bias, x)
        return super().forward(x)


class PixelMLP(nn.Sequential):
    """`depth` per-pixel dense layers with ReLU (Keras `Dense` on the channel axis): BCR's core."""

    def __init__(self, in_channels: int = 1, width: int = 32, depth: int = 12) -> None:
        layers: list[nn.Module] = []
        for i in range(depth):
            layers += [nn.Conv2d(in_channels if i == 0 else width, width, 1), nn.ReLU()]
        super().__init__(*layers)


class Fusion(nn.Module):
    """Concatenate feature maps, then 1x1 conv + ReLU, then a linear 3x3 conv.

    One instance is applied at two resolutions in m-rBCR, so its weights are shared across scales.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.mix = nn.Conv2d(in_channels, out_channels, 1)
        self.smooth = nn.Conv2d(out_channels, out_channels, 3, padding=1)

    def forward(self, *features: torch.Tensor) -> torch.Tensor:
        return self.smooth(F.relu(self.mix(torch.cat(features, dim=1))))


class ResidualDenseBlock(nn.Module):
    """Densely connected 3x3 conv pairs, a 1x1 bottleneck, and the block input concatenated back.

    Each of the `depth` steps appends `growth` channels (3x3 ReLU conv, then linear 3x3 conv) to
    the running tensor; a 1x1 conv squeezes the result to `growth` channels, which are placed in
    front of the block input. The block therefore outputs `in_channels + growth` channels.
    """

    def __init__(self, in_channels: int, growth: int = 4, depth: int = 3) -> None:
        super().__init__()
        self.steps = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(in_channels + i * growth, growth, 3, padding=1),
                nn.ReLU(),
                nn.Conv2d(growth, growth, 3, padding=1),
            )
            for i in range(depth)
        )
        self.squeeze = nn.Conv2d(in_channels + depth * growth, growth, 1)
        self.out_channels = in_channels + growth

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        running = x
        for step in self.steps:
            running = torch.cat([running, step(running)], dim=1)
        return torch.cat([self.squeeze(running), x], dim=1)


class InverseProcess(nn.Module):
    """The inverse (deconvolution) path: row-wise 1-D convolutions, then residual dense blocks.

    `n_row_convs` ReLU convolutions of kernel (1, `row_kernel`) to `width` channels, then
    `n_blocks` residual dense blocks growing the channels by `growth` each (32 -> 48 by default).
    """

    def __init__(
        self,
        in_channels: int,
        width: int = 32,
        row_kernel: int = 5,
        n_row_convs: int = 6,
        n_blocks: int = 4,
        growth: int = 4,
    ) -> None:
        super().__init__()
        rows: list[nn.Module] = []
        for i in range(n_row_convs):
            cin = in_channels if i == 0 else width
            conv = nn.Conv2d(cin, width, (1, row_kernel), padding=(0, row_kernel // 2))
            rows += [conv, nn.ReLU()]
        self.rows = nn.Sequential(*rows)
        blocks = [ResidualDenseBlock(width + i * growth, growth) for i in range(n_blocks)]
        self.blocks = nn.Sequential(*blocks)
        self.out_channels = blocks[-1].out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.rows(x))
