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
    1 x k convolution per kernel row, shifted and summed (`row_kernels`, `sum_row_responses`).

    Why: a convolution to a single output channel is oneDNN's worst case (it vectorises over
    output channels); as k rows it is one ordinary C -> k convolution. Every step is
    differentiable, so CPU training uses it too.
    """
    k = weight.shape[-1]
    return sum_row_responses(F.conv2d(x, row_kernels(weight), padding=(0, k // 2)), k, bias)


def row_kernels(weight: torch.Tensor) -> torch.Tensor:
    """The rows of a (1, C, k, k) kernel as k (1, k) kernels, output channel j = kernel row j,
    padded with zero kernels to a multiple of `ROW_BLOCK` (oneDNN vectorises output channels
    in blocks: 9 outputs cost more than 16)."""
    k = weight.shape[-1]
    rows = weight[0].transpose(0, 1).unsqueeze(2)  # (k, C, 1, k)
    return F.pad(rows, (0, 0, 0, 0, 0, 0, 0, -k % ROW_BLOCK))


def sum_row_responses(per_row: torch.Tensor, k: int, bias: torch.Tensor) -> torch.Tensor:
    """The k x k convolution's output from its rows' responses `per_row` (channel j: row j).

    Row j of the kernel sees input row y + j - k//2, so output row y sums row j's response at
    row y + j - k//2 (zero beyond the image, the k x k convolution's padding). The sums read
    the channels-last map the convolution writes in place: padding it or making it NCHW first
    cost more than the convolution.
    """
    half, height = k // 2, per_row.shape[-2]
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


def _layers_of_kinds(layers: nn.Sequential, kinds: tuple[type, ...]) -> list[nn.Module]:
    """The layers of `layers`, checked to be exactly of `kinds`, in order.

    The accessors below name the layers that `bcr_inference` composes into its own operations;
    a block built differently must fail there, not make the inference path silently compute
    another function.
    """
    found = tuple(type(layer) for layer in layers)
    if found != kinds:
        names = ", ".join(kind.__name__ for kind in found)
        raise TypeError(f"expected layers {', '.join(k.__name__ for k in kinds)}; got {names}: "
                        "update the accessor and nets/bcr_inference.py with the block")
    return list(layers)


def _convs_each_followed_by_relu(layers: nn.Sequential) -> list[nn.Conv2d]:
    """The convolutions of `layers`, which must alternate convolution and ReLU."""
    return _layers_of_kinds(layers, (nn.Conv2d, nn.ReLU) * (len(layers) // 2))[::2]


class PixelMLP(nn.Sequential):
    """`depth` per-pixel dense layers with ReLU (Keras `Dense` on the channel axis): BCR's core."""

    def __init__(self, in_channels: int = 1, width: int = 32, depth: int = 12) -> None:
        layers: list[nn.Module] = []
        for i in range(depth):
            layers += [nn.Conv2d(in_channels if i == 0 else width, width, 1), nn.ReLU()]
        super().__init__(*layers)

    @property
    def dense_layers(self) -> list[nn.Conv2d]:
        """The 1x1 convolutions, in order; each is followed by a ReLU."""
        return _convs_each_followed_by_relu(self)


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

    @property
    def step_convs(self) -> list[tuple[nn.Conv2d, nn.Conv2d]]:
        """Each step's (3x3 convolution of the running tensor, followed by a ReLU; linear 3x3
        convolution to the step's `growth` new channels)."""
        kinds = (nn.Conv2d, nn.ReLU, nn.Conv2d)
        return [(first, second) for first, _, second in
                (_layers_of_kinds(step, kinds) for step in self.steps)]

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

    @property
    def row_convs(self) -> list[nn.Conv2d]:
        """The row-wise (1, k) convolutions, in order; each is followed by a ReLU."""
        return _convs_each_followed_by_relu(self.rows)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.rows(x))
