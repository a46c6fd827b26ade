"""m-rBCR and s-rBCR inference with far fewer passes over memory: the same function as `forward`.

Why: the training graph is thin (1x1 layers of 32 channels, 3x3 convolutions with 4 outputs)
and concatenates its feature maps over and over, so on a CPU most of its time goes to copies,
separate ReLU passes and convolutions too narrow to vectorise, not to arithmetic. This path
computes the same outputs (to float rounding; `tests/nets/test_bcr_inference.py` compares) from
the networks' own weights:

- per-pixel dense layers run as matrix products over cache-sized chunks of pixels, ReLU in place;
- a 1x1 convolution of a concatenation is the sum of products with the weights' column blocks
  (no concatenation), and commutes with a bilinear resize (both linear, resize keeps constants),
  so the coarse path's 1x1 mix runs before upsampling, on a quarter of the pixels;
- residual dense blocks: every feature piece (the row-conv output, each block's squeeze, each
  step's growth) is convolved once with the stacked weights of all its consumers and added into
  one accumulator that holds every step's pre-activation;
- only the full-resolution output of m-rBCR is computed (the coarse outputs serve training).

`ComposedMRBCR(net)` and `ComposedSRBCR(net)` compose those weights once; the zoo keeps one per
loaded model and number format (`zoo.families`). They never track gradients: training calls the
networks themselves. Tensors are (batch, channels, H, W) in channels-last memory, so a
pixel-by-channel matrix is a view, never a copy.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from .bcr_blocks import (SCALES, InverseProcess, PixelMLP, ResidualDenseBlock, resize,
                         row_kernels, subsample_scales, sum_row_responses)
from .mrbcr import MRBCR, SRBCR, check_image_batch
from .padding import crop_to, pad_to_multiple
from .stage_check import between_stages

CPU_CHUNK = 16384
"""Pixels per matrix product of the per-pixel layers on a CPU: 2 MB of activations, which stay
in cache, in few enough calls."""


class ComposedMRBCR:
    """m-rBCR's full-resolution output, `net(x)[0]` for an (N, 1, H, W) tensor, from weights
    composed once from `net`'s.

    It keeps views of `net`'s weights and what it composed from them when made: make a new one
    after changing the weights.
    """

    def __init__(self, net: MRBCR) -> None:
        with torch.no_grad():
            self.encoders = [_PixelLayers(encoder) for encoder in net.encoders]
            self.heads = [_Dense.of(head) for head in net.heads]
            # each fusion output feeds only a one-channel head, through the fusion's linear 3x3
            # smoothing: the two compose into one 3x3 convolution to one channel
            self.smoothed_heads = [_smoothed_head(net.fusion.smooth, head)
                                   for head in net.heads[:2]]
            self.fusion_mix = _Dense.of(net.fusion.mix)
            self.fusion_b_mix = _Dense.of(net.fusion_b.mix)
            self.fusion_b_smooth = net.fusion_b.smooth
            self.inverses = [_InversePath(inverse.row_convs, inverse) for inverse in net.inverses]
            self.output = _SingleChannelConv(net.outputs[0].weight, net.outputs[0].bias)

    @torch.no_grad()
    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch(x, "MRBCR")
        size = tuple(x.shape[-2:])
        scales = subsample_scales(pad_to_multiple(x, SCALES[-1], 2))
        y0, y2, y4 = self._forward_model(*(_channels_last(s) for s in scales))
        between_stages()
        xi4 = self.inverses[2](y4)
        xi2 = self.inverses[1](self._fusion_b(y2, xi4))
        del xi4  # each scale's features are freed once used: less memory to page in per call
        between_stages()
        xi0 = self.inverses[0](self._fusion_b(y0, xi2))
        del xi2
        between_stages()
        _add_rows(_pixels(xi0), _pixels(y0))  # the input residual, to every channel
        return crop_to(self.output(xi0), size)

    def _forward_model(self, x0: torch.Tensor, x2: torch.Tensor,
                       x4: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The one-channel estimates y0, y2, y4 of the forward ("BCR") model at the three scales.

        A head reads [pixel features, fusion output]: the first part is a product, the second
        the composed smoothing and head (`_smoothed_head`) on the fusion's mix.
        """
        full = tuple(x0.shape[-2:])
        u0, u2, u4 = (encode(s) for encode, s in zip(self.encoders, (x0, x2, x4)))
        between_stages()
        y0 = _pixel_part(self.heads[0], u0)
        y0 += self.smoothed_heads[0](_fusion_mixed(self.fusion_mix, u0, u2))
        y2 = _pixel_part(self.heads[1], u2)
        y2 += F.avg_pool2d(self.smoothed_heads[1](
            _coarse_fusion_mixed(self.fusion_mix, u2, u4, full)), 2)
        return y0, y2, _pixel_part(self.heads[2], u4)

    def _fusion_b(self, y: torch.Tensor, coarse: torch.Tensor) -> torch.Tensor:
        """`fusion_b(y, resize(coarse))`, the mix's coarse part run before upsampling."""
        return self.fusion_b_smooth(_fusion_mixed(self.fusion_b_mix, y, coarse))


class ComposedSRBCR:
    """s-rBCR's output, `net(x)` for an (N, 1, H, W) tensor, from weights composed once.

    The linear 1x1 lift to 128 channels and the first row convolution compose into one
    32 -> 32 row convolution (`_LiftedRowConv`): the 128-channel map is never made. Like
    `ComposedMRBCR`, make a new one after changing the weights.
    """

    def __init__(self, net: SRBCR) -> None:
        with torch.no_grad():
            self.encoder = _PixelLayers(net.encoder)
            first, *rest = net.inverse.row_convs
            self.lifted_rows = _LiftedRowConv(net.lift, first)
            self.inverse = _InversePath(rest, net.inverse)
            self.output = _SingleChannelConv(net.output.weight, net.output.bias)

    @torch.no_grad()
    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch(x, "SRBCR")
        features = self.encoder(_channels_last(x))
        between_stages()
        lifted = self.lifted_rows(features).relu_()
        del features
        between_stages()
        return self.output(self.inverse(lifted))


class _Dense(NamedTuple):
    """A 1x1 convolution as the (in, out) matrix that right-multiplies pixel rows, and its bias."""

    matrix: torch.Tensor
    bias: torch.Tensor

    @classmethod
    def of(cls, conv: nn.Conv2d) -> _Dense:
        return cls(conv.weight[:, :, 0, 0].t(), conv.bias)


class _PixelLayers:
    """A `PixelMLP`: dense layers + ReLU on every pixel, chunk by chunk so the activations
    stay in cache."""

    def __init__(self, mlp: PixelMLP) -> None:
        self.layers = [_Dense.of(conv) for conv in mlp.dense_layers]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        width = self.layers[-1].matrix.shape[1]
        out = _empty(x, width)
        rows_in, rows_out = _pixels(x), _pixels(out)
        total = rows_in.shape[0]
        chunk = CPU_CHUNK if x.device.type == "cpu" else total  # a GPU wants one big product
        scratch = [x.new_empty((min(chunk, total), width)) for _ in range(2)]
        for start in range(0, total, chunk):
            current = rows_in[start:start + chunk]
            n = current.shape[0]
            for i, (weight, bias) in enumerate(self.layers):
                last = i == len(self.layers) - 1
                target = rows_out[start:start + n] if last else scratch[i % 2][:n]
                torch.addmm(bias, current, weight, out=target).relu_()
                current = target
        return out


class _SingleChannelConv:
    """A same-size k x k convolution to one channel; on a CPU as its rows, shifted and summed
    (`bcr_blocks.row_split_conv`, its row kernels made here once)."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        self.weight, self.bias, self.size = weight, bias, weight.shape[-1]
        self.rows = row_kernels(weight) if weight.device.type == "cpu" else None

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        half = self.size // 2
        if self.rows is None:
            return F.conv2d(x, self.weight, self.bias, padding=half)
        per_row = F.conv2d(x, self.rows, padding=(0, half))
        return sum_row_responses(per_row, self.size, self.bias)


def _smoothed_head(smooth: nn.Conv2d, head: nn.Conv2d) -> _SingleChannelConv:
    """The fusion part of a one-channel 1x1 `head`, `head_f(smooth(.))`, as one 3x3 convolution
    to one channel (same zero padding); `head_f` is the head's last `smooth.out_channels`
    columns, those that read the fusion's output."""
    columns = head.weight[:, -smooth.out_channels:, 0, 0]  # (1, C)
    weight = torch.einsum("oc,cikl->oikl", columns, smooth.weight)
    return _SingleChannelConv(weight, columns @ smooth.bias)


class _LiftedRowConv:
    """`conv(lift(x))` for a 1x1 `lift` and a (1, k) row `conv`, as one row convolution of x.

    The weights compose exactly; the lift's bias does not, where the row convolution's zero
    padding meets it: it adds conv(lift.bias · 1) over the image's own columns only, a term
    that depends on the column alone (the same convolution of a row of ones).
    """

    def __init__(self, lift: nn.Conv2d, conv: nn.Conv2d) -> None:
        self.weight = torch.einsum("omht,mc->ocht", conv.weight, lift.weight[:, :, 0, 0])
        self.bias_kernel = torch.einsum("omht,m->oht", conv.weight, lift.bias).unsqueeze(1)
        self.bias, self.padding = conv.bias, conv.padding

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        ones = x.new_ones((1, 1, 1, x.shape[-1]))
        # (1, C, 1, W)
        by_column = F.conv2d(ones, self.bias_kernel, self.bias, padding=self.padding)
        return F.conv2d(x, self.weight, padding=self.padding).add_(by_column)


class _InversePath:
    """An `InverseProcess` from its row convolutions still to run (each followed by a ReLU) and
    its chain of residual dense blocks."""

    def __init__(self, row_convs: list[nn.Conv2d], inverse: InverseProcess) -> None:
        self.row_convs = row_convs
        self.blocks = _DenseChain(list(inverse.blocks))

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        for conv in self.row_convs:
            x = conv(x).relu_()
            between_stages()
        return self.blocks(x)


class _DenseChain:
    """A chain of residual dense blocks, its weights regrouped by the feature piece they read.

    Block b's input is [s_{b-1}, ..., s_0, r] (r: the row-conv output, s_j: block j's squeeze
    output; each block puts its squeeze in front), and its step i reads that plus the growths
    g_{b,0..i-1}. Step (b, i)'s pre-activation lives in channels 4*(3b + i) of one accumulator,
    block b's squeeze in channels 4b of another, so every piece's consumers form one contiguous
    channel range there: r feeds all steps and squeezes, s_j those of the blocks after j, and
    g_{b,k} the later steps of block b and its squeeze.
    """

    def __init__(self, blocks: list[ResidualDenseBlock]) -> None:
        steps = [block.step_convs for block in blocks]
        firsts = [[first for first, _ in block_steps] for block_steps in steps]
        self.growth_convs = [[second for _, second in block_steps] for block_steps in steps]
        self.growth = blocks[0].squeeze.out_channels
        self.depth = len(steps[0])
        self.n_blocks = len(blocks)

        def columns(b: int, piece_offset: int, width: int, first_step: int = 0):
            step_weights = [firsts[b][i].weight[:, piece_offset:piece_offset + width]
                            for i in range(first_step, self.depth)]
            squeeze = blocks[b].squeeze.weight[:, piece_offset:piece_offset + width, 0, 0].t()
            return step_weights, squeeze

        g, r_width = self.growth, firsts[0][0].in_channels  # r's channels
        r_steps, r_squeeze = zip(*(columns(b, g * b, r_width) for b in range(len(blocks))))
        self.r_conv = torch.cat([w for steps in r_steps for w in steps])
        self.r_conv_bias = torch.cat([c.bias for row in firsts for c in row])
        self.r_squeeze = torch.cat(r_squeeze, dim=1)
        self.r_squeeze_bias = torch.cat([block.squeeze.bias for block in blocks])
        # s_j sits at offset g*(b-1-j) of block b's input
        self.s_conv, self.s_squeeze = [], []
        for j in range(len(blocks) - 1):
            later = [columns(b, g * (b - 1 - j), g) for b in range(j + 1, len(blocks))]
            self.s_conv.append(torch.cat([w for steps, _ in later for w in steps]))
            self.s_squeeze.append(torch.cat([sq for _, sq in later], dim=1))
        # g_{b,k} sits after the block input (g*b + base channels) at offset g*k
        self.g_conv, self.g_squeeze = [], []
        for b in range(len(blocks)):
            offsets = [g * b + r_width + g * k for k in range(self.depth)]
            pieces = [columns(b, o, g, first_step=k + 1) for k, o in enumerate(offsets)]
            self.g_conv.append([torch.cat(steps) if steps else None for steps, _ in pieces])
            self.g_squeeze.append([sq for _, sq in pieces])

    def __call__(self, r: torch.Tensor) -> torch.Tensor:
        """The chain applied to `r`, without building any running concatenation."""
        g, depth = self.growth, self.depth
        steps_acc = _channels_last(F.conv2d(r, self.r_conv, self.r_conv_bias, padding=1))
        squeeze_acc = torch.addmm(self.r_squeeze_bias, _pixels(r), self.r_squeeze)
        for b, growth_convs in enumerate(self.growth_convs):
            first = g * depth * b
            for i, growth_conv in enumerate(growth_convs):
                pre = steps_acc[:, first + g * i:first + g * (i + 1)]
                growth = growth_conv(_relu_of_slice(pre))
                later = self.g_conv[b][i]
                if later is not None:
                    _add_to_slice(steps_acc[:, first + g * (i + 1):first + g * depth],
                                  F.conv2d(growth, later, padding=1))
                squeeze_acc[:, g * b:g * (b + 1)].addmm_(_pixels(growth), self.g_squeeze[b][i])
            if b < self.n_blocks - 1:  # the later blocks read this block's squeeze
                s = squeeze_acc[:, g * b:g * (b + 1)]
                s = _copy_of_slice(s.view(r.shape[0], r.shape[2], r.shape[3], g)
                                   .permute(0, 3, 1, 2))
                _add_to_slice(steps_acc[:, g * depth * (b + 1):],
                              F.conv2d(s, self.s_conv[b], padding=1))
                squeeze_acc[:, g * (b + 1):].addmm_(_pixels(s), self.s_squeeze[b])
            between_stages()
        return _block_output(squeeze_acc, r, self.n_blocks, g)


def _channels_last(x: torch.Tensor) -> torch.Tensor:
    return x.contiguous(memory_format=torch.channels_last)


def _empty(like: torch.Tensor, channels: int) -> torch.Tensor:
    """An uninitialised channels-last tensor on `like`'s grid with `channels` channels."""
    n, _, h, w = like.shape
    return torch.empty((n, channels, h, w), dtype=like.dtype, device=like.device,
                       memory_format=torch.channels_last)


def _pixels(x: torch.Tensor) -> torch.Tensor:
    """The (N*H*W, C) matrix of a channels-last tensor, as a view (raises if it is not one)."""
    return x.permute(0, 2, 3, 1).view(-1, x.shape[1])


def _resize(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    return _channels_last(resize(x, size))


def _pixel_part(head: _Dense, features: torch.Tensor) -> torch.Tensor:
    """A 1x1 `head` over the first `features.shape[1]` channels of its input: the product with
    those rows of its matrix, plus its bias."""
    return _matrix_product(features, head.matrix[:features.shape[1]], head.bias)


def _coarse_fusion_mixed(mix: _Dense, u2: torch.Tensor, u4: torch.Tensor,
                         full: tuple[int, int]) -> torch.Tensor:
    """`relu(mix(resize(u2, full), resize(u4, full)))`, the half-scale fusion's input.

    The 1x1 mix runs on the coarse maps before upsampling (linear maps commute with a bilinear
    resize, which keeps constants), so neither is ever upsampled itself. The fusion's output is
    then halved by bilinear resize with half-pixel centres, which on a map of even size
    averages each 2x2 block (`avg_pool2d(., 2)` in `ComposedMRBCR._forward_model`).
    """
    w = u2.shape[1]
    mixed = _resize(_matrix_product(u2, mix.matrix[:w], mix.bias), full)
    mixed += _resize(_matrix_product(u4, mix.matrix[w:]), full)
    return mixed.relu_()


def _matrix_product(x: torch.Tensor, weight: torch.Tensor,
                    bias: torch.Tensor | None = None) -> torch.Tensor:
    """The per-pixel product `x @ weight (+ bias)` of a channels-last map, as a new map."""
    out = _empty(x, weight.shape[1])
    if bias is None:
        torch.mm(_pixels(x), weight, out=_pixels(out))
    else:
        torch.addmm(bias, _pixels(x), weight, out=_pixels(out))
    return out


def _fusion_mixed(mix: _Dense, y: torch.Tensor, coarse: torch.Tensor) -> torch.Tensor:
    """`relu(mix(y, resize(coarse)))` with the coarse part of the mix run before upsampling."""
    mixed_coarse = _matrix_product(coarse, mix.matrix[y.shape[1]:], mix.bias)
    mixed = _resize(mixed_coarse, tuple(y.shape[-2:]))
    _pixels(mixed).addmm_(_pixels(y), mix.matrix[:y.shape[1]])
    return mixed.relu_()


def _copy_of_slice(piece: torch.Tensor) -> torch.Tensor:
    """A channels-last copy of `piece`, a channel slice of a channels-last map."""
    out = _empty(piece, piece.shape[1])
    _copy_rows(_pixels(out), _pixels(piece))
    return out


def _relu_of_slice(piece: torch.Tensor) -> torch.Tensor:
    """`relu(piece)` as a new channels-last map, `piece` a channel slice of one: in float32 in
    one pass; in bfloat16 copied as `_copy_rows` does, then rectified in place."""
    if not _through_blas(piece):
        return torch.clamp_min(piece, 0, out=_empty(piece, piece.shape[1]))
    return _copy_of_slice(piece).relu_()


def _add_to_slice(target: torch.Tensor, values: torch.Tensor) -> None:
    """`target += values` for a channel slice `target` of a channels-last map."""
    _add_rows(_pixels(target), _pixels(values))


def _copy_rows(target: torch.Tensor, values: torch.Tensor) -> None:
    """`target[:] = values` for (pixels, channels) matrices whose rows may be strided.

    In bfloat16 as the product with the identity (`_through_blas`), `target` unread.
    """
    if _through_blas(values):
        target.addmm_(values, torch.eye(values.shape[1], dtype=values.dtype,
                                        device=values.device), beta=0)
    else:
        target.copy_(values)


def _add_rows(target: torch.Tensor, values: torch.Tensor) -> None:
    """`target += values` for (pixels, channels) matrices whose rows may be strided; a
    one-column `values` is added to every column, as `add_` broadcasts it.

    In bfloat16 as a product (`_through_blas`) with the identity, or with a row of ones to
    spread one column over all.
    """
    if not _through_blas(values):
        target.add_(values)
        return
    like = {"dtype": values.dtype, "device": values.device}
    spread = (torch.ones((1, target.shape[1]), **like) if values.shape[1] == 1
              else torch.eye(values.shape[1], **like))
    target.addmm_(values, spread)


def _through_blas(values: torch.Tensor) -> bool:
    """Whether copies and sums of `values`' strided rows run as matrix products: in bfloat16.

    BLAS reads and writes through the row stride and rounds once, as the elementwise sum does,
    so the numbers are the same bit for bit; the elementwise kernels walk a slice's short rows
    one element at a time, converting each, which in bfloat16 is the slower (in float32 the
    faster) of the two.
    """
    return values.dtype == torch.bfloat16


def _block_output(squeezes: torch.Tensor, r: torch.Tensor, n_blocks: int,
                  growth: int) -> torch.Tensor:
    """The chain's output `[s_last, ..., s_0, r]` (channels-last) from the squeeze accumulator,
    copied piece by piece into one new map (`torch.cat` of channels-last maps along channels
    is several times slower)."""
    out = _empty(r, n_blocks * growth + r.shape[1])
    for b in range(n_blocks):
        first = growth * (n_blocks - 1 - b)
        _copy_rows(_pixels(out[:, first:first + growth]), squeezes[:, growth * b:growth * (b + 1)])
    _copy_rows(_pixels(out[:, n_blocks * growth:]), _pixels(r))
    return out
