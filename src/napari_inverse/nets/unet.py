"""The CARE U-Net (Weigert et al., Nat. Methods 2018) as csbdeep builds it, 2-D or 3-D.

The same network serves Noise2Void (batch norm, no residual, kernel 3) and N2V2 (Hoeck et al.
2022: max-blur-pool downsampling and no top-level skip connection, against checkerboard
artefacts). Layer layout, nearest-neighbour up-sampling, Keras initialisation and Keras batch-norm
constants follow csbdeep's `unet_block` / `custom_unet`, so parameter counts match its models.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .keras_init import keras_init_
from .padding import crop_to, pad_to_multiple
from .stage_check import between_stages


class BlurPool(nn.Module):
    """Max-blur-pool (Zhang 2019): 2-wide max with stride 1, then a [1, 2, 1] blur with stride 2.

    Halves even sizes like max-pooling does, but low-passes before subsampling, so the decoder
    sees no aliasing pattern to reproduce. Parameter-free.
    """

    def __init__(self, ndim: int) -> None:
        super().__init__()
        taps = torch.tensor([1.0, 2.0, 1.0]) / 4
        kernel = taps
        for _ in range(ndim - 1):
            kernel = kernel[..., None] * taps
        self.ndim = ndim
        self.register_buffer("kernel", kernel[None, None], persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        max_pool, conv = (F.max_pool2d, F.conv2d) if self.ndim == 2 else (F.max_pool3d, F.conv3d)
        x = max_pool(x, 2, stride=1)
        channels = x.shape[1]
        weight = self.kernel.to(x.dtype).expand(channels, *self.kernel.shape[1:])
        return conv(x, weight, stride=2, padding=1, groups=channels)


def _conv_stack(
    ndim: int, in_channels: int, widths: list[int], kernel: int, batch_norm: bool,
    momentum: float, batch_norm_eps: float = 1e-3,
) -> nn.Sequential:
    """Convolutions ('same' padding) to each of `widths` channels, each followed by ReLU."""
    conv = nn.Conv2d if ndim == 2 else nn.Conv3d
    norm = nn.BatchNorm2d if ndim == 2 else nn.BatchNorm3d
    layers: list[nn.Module] = []
    for width in widths:
        layers.append(conv(in_channels, width, kernel, padding=kernel // 2))
        if batch_norm:  # Keras' epsilon 1e-3 by default; its momentum 0.99 is PyTorch's 0.01
            layers.append(norm(width, eps=batch_norm_eps, momentum=momentum))
        layers.append(nn.ReLU())
        in_channels = width
    return nn.Sequential(*layers)


def _checked(layers: nn.Sequential, x: torch.Tensor) -> torch.Tensor:
    """``layers(x)``, calling the stage check (`nets.stage_check`) after each convolution's
    activation: a full-resolution level of a large tile is the longest stretch of a pass."""
    for layer in layers:
        x = layer(x)
        if isinstance(layer, nn.ReLU):
            between_stages()
    return x


class UNet(nn.Module):
    """CARE / N2V U-Net for (batch, channels, [Z,] Y, X) tensors.

    Level n (0 = full resolution) has `convs_per_level` convolutions of `first_filters * 2**n`
    channels; as in csbdeep, the last convolution of the bottleneck and of each decoder level
    outputs the width of the level above, and a final 1x1 convolution maps to `out_channels`.
    `residual` (default: when in and out channels match) adds the input to that output.
    `initialisation` "keras" draws csbdeep's weights (Glorot), "pytorch" keeps PyTorch's default
    draw, whose smaller first outputs let Noise2Void from scratch learn sooner.
    `batch_norm_momentum` 0.01 is Keras' 0.99; PyTorch's 0.1 lets the running statistics that
    a short run predicts with catch up with the batches.

    With `probabilistic=True`, `forward` returns `(loc, scale)`: a second 1x1 head gives the
    per-pixel Laplace scale, softplus + `eps_scale` so it is strictly positive (train with
    `nets.losses.laplace_nll`). Otherwise it returns `loc` alone. Any spatial size is accepted
    (mirror-padded to a multiple of `2**depth`, cropped back).

    `upsampling="bilinear"` and `batch_norm_eps=1e-5` give CAREamics's U-Net (PyTorch's
    defaults there), so its exported weights predict here as they do in CAREamics.
    """

    def __init__(
        self,
        ndim: int = 2,
        in_channels: int = 1,
        out_channels: int = 1,
        depth: int = 2,
        first_filters: int = 32,
        kernel_size: int | None = None,
        convs_per_level: int = 2,
        batch_norm: bool = False,
        residual: bool | None = None,
        probabilistic: bool = False,
        n2v2: bool = False,
        eps_scale: float = 1e-3,
        upsampling: str = "nearest",
        batch_norm_eps: float = 1e-3,
        initialisation: str = "keras",
        batch_norm_momentum: float = 0.01,
    ) -> None:
        super().__init__()
        if ndim not in (2, 3):
            raise ValueError(f"UNet supports ndim=2 or 3, got {ndim}")
        kernel = kernel_size if kernel_size is not None else (5 if ndim == 2 else 3)
        if kernel % 2 == 0 or depth < 1 or convs_per_level < 1:
            raise ValueError(
                "UNet needs an odd kernel_size, depth >= 1 and convs_per_level >= 1, got "
                f"kernel_size={kernel}, depth={depth}, convs_per_level={convs_per_level}"
            )
        if upsampling not in ("nearest", "bilinear"):
            raise ValueError(f"UNet upsampling is 'nearest' or 'bilinear', got {upsampling!r}")
        if initialisation not in ("keras", "pytorch"):
            raise ValueError(f"initialisation must be 'keras' or 'pytorch', got {initialisation!r}")
        if residual is None:
            residual = in_channels == out_channels
        if residual and in_channels != out_channels:
            raise ValueError(
                f"a residual UNet needs as many output as input channels, got {in_channels} in "
                f"and {out_channels} out; pass residual=False"
            )
        self.ndim, self.depth, self.residual = ndim, depth, residual
        self.in_channels, self.n2v2, self.eps_scale = in_channels, n2v2, eps_scale
        # nn.Upsample's names: "bilinear" in 2-D is "trilinear" in 3-D
        self.upsampling = "trilinear" if upsampling == "bilinear" and ndim == 3 else upsampling

        def width(level: int) -> int:
            return first_filters * 2 ** max(level, 0)

        def stack(cin: int, level: int, last_level: int) -> nn.Sequential:
            widths = [width(level)] * (convs_per_level - 1) + [width(last_level)]
            return _conv_stack(ndim, cin, widths, kernel, batch_norm, batch_norm_momentum,
                               batch_norm_eps)

        self.encoders = nn.ModuleList()
        channels = in_channels
        for level in range(depth):
            self.encoders.append(stack(channels, level, level))
            channels = width(level)
        self.pool = BlurPool(ndim) if n2v2 else (nn.MaxPool2d if ndim == 2 else nn.MaxPool3d)(2)
        self.bottleneck = stack(channels, depth, depth - 1)
        self.decoders = nn.ModuleList()  # in execution order: coarsest level first
        for level in reversed(range(depth)):
            skip = 0 if (n2v2 and level == 0) else width(level)
            self.decoders.append(stack(width(level) + skip, level, level - 1))
        head = nn.Conv2d if ndim == 2 else nn.Conv3d
        self.head = head(width(-1), out_channels, 1)
        self.scale_head = head(width(-1), out_channels, 1) if probabilistic else None
        if initialisation == "keras":
            keras_init_(self)

    @property
    def size_multiple(self) -> int:
        """Spatial sizes that run without the internal padding are multiples of this."""
        return 2**self.depth

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        if x.ndim != self.ndim + 2 or x.shape[1] != self.in_channels:
            axes = "(batch, channels, Y, X)" if self.ndim == 2 else "(batch, channels, Z, Y, X)"
            raise ValueError(
                f"this {self.ndim}-D UNet expects a {axes} tensor with {self.in_channels} "
                f"channel(s), got shape {tuple(x.shape)}"
            )
        size = tuple(x.shape[2:])
        x = pad_to_multiple(x, 2**self.depth, self.ndim)
        skips = []
        features = x
        for encode in self.encoders:
            features = _checked(encode, features)
            skips.append(features)
            features = self.pool(features)
        features = _checked(self.bottleneck, features)
        for level, decode in zip(reversed(range(self.depth)), self.decoders):
            features = F.interpolate(features, scale_factor=2, mode=self.upsampling)
            if not (self.n2v2 and level == 0):
                features = torch.cat([features, skips[level]], dim=1)
            features = _checked(decode, features)
        loc = self.head(features) + x if self.residual else self.head(features)
        if self.scale_head is None:
            return crop_to(loc, size)
        scale = F.softplus(self.scale_head(features)) + self.eps_scale
        return crop_to(loc, size), crop_to(scale, size)
