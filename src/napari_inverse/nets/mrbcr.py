"""m-rBCR and s-rBCR deconvolution networks (Li, Kudryashev, Yakimovich, ECCV 2024).

A port of the graph the released reference code builds (references.md §1.2), which is what the
paper's parameter counts (0.237 M and 0.086 M) describe: 236,630 and 86,849 parameters here.
Tensors are NCHW with one channel; Keras default initialisation is reproduced.
"""
from __future__ import annotations

import torch
from torch import nn

from .bcr_blocks import (SCALES, Fusion, InverseProcess, PixelMLP, SingleChannelOutput, resize,
                         subsample_scales)
from .keras_init import keras_init_
from .padding import crop_to, pad_to_multiple

WIDTH = 32
"""Channels of the per-pixel dense layers and of the row-wise convolutions (alpha)."""
OUTPUT_KERNEL = 9
"""Side of the last convolution that maps the inverse path to one channel (w2)."""


def check_image_batch(x: torch.Tensor, name: str) -> None:
    """Refuse anything but an (N, 1, H, W) tensor, saying how to make one."""
    if x.ndim != 4 or x.shape[1] != 1:
        raise ValueError(
            f"{name} expects a (batch, 1, height, width) tensor, got shape {tuple(x.shape)}; "
            "add the missing axes with x[None, None] or process channels one at a time"
        )


def _output_conv(in_channels: int) -> nn.Conv2d:
    return SingleChannelOutput(in_channels, OUTPUT_KERNEL)


BCR_TRAINING_LAYOUTS = {"cpu": torch.channels_last, "cuda": torch.channels_last}
"""oneDNN and cuDNN train these thin convolutions fastest on NHWC tensors (see training.loop)."""


class MRBCR(nn.Module):
    """Multi-resolution residual BCR network (m-rBCR): three scales, coarse-to-fine inversion.

    `forward(x)` returns `(z0, z2, z4)`, the restored image at full resolution and at the
    `[::2, ::2]` and `[::4, ::4]` subsamplings of the input; training needs all three
    (`nets.losses.mrbcr_loss`), inference only the first (`bcr_inference.ComposedMRBCR`).
    Any height and width are accepted: the input is mirror-padded to a multiple of 4 and each
    output cropped back.
    """

    training_layouts = BCR_TRAINING_LAYOUTS
    size_multiple = SCALES[-1]
    """Spatial sizes that run without the internal padding are multiples of this."""

    def __init__(self) -> None:
        super().__init__()
        # index 0, 1, 2 = full, half, quarter resolution; each scale has its own weights
        quarter_inverse = InverseProcess(1)  # the coarsest scale inverts y4 directly
        inverse_width = quarter_inverse.out_channels  # 48
        self.encoders = nn.ModuleList(PixelMLP(1, WIDTH) for _ in SCALES)
        self.fusion = Fusion(2 * WIDTH, WIDTH)
        self.heads = nn.ModuleList(
            [nn.Conv2d(2 * WIDTH, 1, 1), nn.Conv2d(2 * WIDTH, 1, 1), nn.Conv2d(WIDTH, 1, 1)]
        )
        self.inverses = nn.ModuleList(
            [InverseProcess(inverse_width), InverseProcess(inverse_width), quarter_inverse]
        )
        self.fusion_b = Fusion(1 + inverse_width, inverse_width)
        self.outputs = nn.ModuleList(_output_conv(inverse_width) for _ in SCALES)
        keras_init_(self)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        check_image_batch(x, "MRBCR")
        targets = [tuple(s.shape[-2:]) for s in subsample_scales(x)]
        inputs = subsample_scales(pad_to_multiple(x, SCALES[-1], 2))
        full, half = inputs[0].shape[-2:], inputs[1].shape[-2:]

        # forward ("BCR") model: per-pixel features, fused across scales, one channel per scale
        u0, u2, u4 = (encode(s) for encode, s in zip(self.encoders, inputs))
        u2_full, u4_full = resize(u2, full), resize(u4, full)
        f0 = self.fusion(u0, u2_full)
        f2 = resize(self.fusion(u2_full, u4_full), half)
        y0 = self.heads[0](torch.cat([u0, f0], dim=1))
        y2 = self.heads[1](torch.cat([u2, f2], dim=1))
        y4 = self.heads[2](u4)

        # inverse model, coarse to fine; the 1-channel y is added to every feature channel
        xi4 = self.inverses[2](y4)
        xi2 = self.inverses[1](self.fusion_b(y2, resize(xi4, half)))
        xi0 = self.inverses[0](self.fusion_b(y0, resize(xi2, full)))
        zs = (out(xi + y) for out, xi, y in zip(self.outputs, (xi0, xi2, xi4), (y0, y2, y4)))
        z0, z2, z4 = (crop_to(z, size) for z, size in zip(zs, targets))
        return z0, z2, z4


class SRBCR(nn.Module):
    """Single-resolution residual BCR network (s-rBCR), the one-scale baseline of the paper.

    Per-pixel dense layers, a linear 1x1 lift to 128 channels, the inverse path and the 9x9 output
    conv; no input residual. Every layer keeps the spatial size, so any input size works.
    """

    training_layouts = BCR_TRAINING_LAYOUTS
    size_multiple = 1
    """Every layer keeps the spatial size: no padding at any size."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = PixelMLP(1, WIDTH)
        self.lift = nn.Conv2d(WIDTH, 128, 1)
        self.inverse = InverseProcess(128)
        self.output = _output_conv(self.inverse.out_channels)
        keras_init_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch(x, "SRBCR")
        return self.output(self.inverse(self.lift(self.encoder(x))))


class MRBCRFullResolution(MRBCR):
    """m-rBCR returning its full-resolution restoration alone (the same weights and keys).

    The network a BioImage Model Zoo package describes: a consumer runs ``forward`` and expects
    one output tensor per described output, not the three scales training needs.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return super().forward(x)[0]
