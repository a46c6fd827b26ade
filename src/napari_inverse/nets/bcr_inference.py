"""m-rBCR and s-rBCR inference with far fewer passes over memory: the same function as `forward`.

Why: the training graph is thin (1x1 layers of 32 channels, 3x3 convolutions with 4 outputs)
and concatenates its feature maps over and over, so on a CPU most of its time went to copies,
separate ReLU passes and convolutions too narrow to vectorise, not to arithmetic (profile of a
512² m-rBCR forward on one core: concatenations 21 %, ReLU 14 %, bias copies 10 %; the 48 -> 1
9x9 output convolution alone 7 %). This evaluator computes the same outputs (to float
rounding; `tests/nets/test_bcr_inference.py` compares) from the module's own weights:

- per-pixel dense layers run as matrix products over cache-sized chunks of pixels, ReLU in place;
- a 1x1 convolution of a concatenation is the sum of products with the weights' column blocks
  (no concatenation), and commutes with a bilinear resize (both linear, resize keeps constants),
  so the coarse path's 1x1 mix runs before upsampling, on a quarter of the pixels;
- residual dense blocks: every feature piece (the row-conv output, each block's squeeze, each
  step's growth) is convolved once with the stacked weights of all its consumers and added into
  one accumulator that holds every step's pre-activation;
- only the full-resolution output of m-rBCR is computed (the coarse outputs serve training).

Tensors are (batch, channels, H, W) in channels-last memory, so a pixel-by-channel matrix is a
view, never a copy.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .bcr_blocks import (SCALES, Fusion, InverseProcess, PixelMLP, ResidualDenseBlock, resize,
                          row_split_conv, subsample_scales)
from .padding import crop_to, pad_to_multiple

CPU_CHUNK = 16384
"""Pixels per matrix product of the per-pixel layers on a CPU: 2 MB of activations, which stay
in cache; fewer calls than 4096 (per 512² map of 12 layers: 106 vs 116 ms on one core, 63 vs
68 ms on two)."""


def mrbcr_restore(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The full-resolution m-rBCR output for an (N, 1, H, W) tensor, as `net(x)[0]`."""
    size = tuple(x.shape[-2:])
    scales = subsample_scales(pad_to_multiple(x, SCALES[-1], 2))
    y0, y2, y4 = _forward_model(net, *(_channels_last(s) for s in scales))
    xi4 = _inverse(net.inverses[2], y4)
    xi2 = _inverse(net.inverses[1], _fusion_upsampled(net.fusion_b, y2, xi4))
    del xi4  # each scale's features are freed once used: less memory to page in per call
    xi0 = _inverse(net.inverses[0], _fusion_upsampled(net.fusion_b, y0, xi2))
    del xi2
    _write_rows(_pixels(xi0), _pixels(y0), accumulate=True)  # the input residual, every channel
    z0 = net.outputs[0](xi0)
    return crop_to(z0, size)


def _forward_model(net: nn.Module, x0: torch.Tensor, x2: torch.Tensor,
                   x4: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The one-channel estimates y0, y2, y4 of the forward ("BCR") model at the three scales.

    Each fusion output only feeds a one-channel 1x1 head, and the fusion ends in a linear 3x3
    smoothing, so head and smoothing are one 3x3 convolution to one channel: 32 taps per pixel
    and kernel row instead of the 32-channel smoothing's 1,024 (its largest layer at full size).
    """
    full = tuple(x0.shape[-2:])
    u0, u2, u4 = (_pixel_mlp(encode, s) for encode, s in zip(net.encoders, (x0, x2, x4)))
    y0 = _linear(net.heads[0], u0)
    y0 += _smoothed_head(net.fusion, net.heads[0], _fusion_mixed(net.fusion, u0, u2))
    y2 = _linear(net.heads[1], u2)
    y2 += F.avg_pool2d(_smoothed_head(net.fusion, net.heads[1], _coarse_fusion_mixed(
        net.fusion, u2, u4, full)), 2)
    return y0, y2, _linear(net.heads[2], u4)


def srbcr_restore(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The s-rBCR output for an (N, 1, H, W) tensor, as `net(x)`.

    The linear 1x1 lift to 128 channels and the first row convolution compose into one
    32 -> 32 row convolution (see `_lifted_row_conv`): 5,120 multiply-adds per pixel instead
    of 4,096 + 20,480, the 128-channel map never made.
    """
    features = _pixel_mlp(net.encoder, _channels_last(x))
    first, *rest = [layer for layer in net.inverse.rows if isinstance(layer, nn.Conv2d)]
    rows = _lifted_row_conv(net.lift, first, features).relu_()
    return net.output(_inverse(net.inverse, rows, rest))


def _lifted_row_conv(lift: nn.Conv2d, conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    """`conv(lift(x))` for a 1x1 `lift` and a (1, k) row `conv`, as one row convolution of x.

    The weights compose exactly; the lift's bias does not, where the row convolution's zero
    padding meets it: it adds conv(lift.bias · 1) over the image's own columns only, a term
    that depends on the column alone (the same convolution of a row of ones).
    """
    weight = torch.einsum("omht,mc->ocht", conv.weight, lift.weight[:, :, 0, 0])
    bias_kernel = torch.einsum("omht,m->oht", conv.weight, lift.bias).unsqueeze(1)
    ones = x.new_ones((1, 1, 1, x.shape[-1]))
    by_column = F.conv2d(ones, bias_kernel, conv.bias, padding=conv.padding)  # (1, C, 1, W)
    return F.conv2d(x, weight, padding=conv.padding).add_(by_column)


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


def _matrix(conv: nn.Conv2d) -> torch.Tensor:
    """A 1x1 convolution's weight as the (in, out) matrix that right-multiplies pixel rows."""
    return conv.weight[:, :, 0, 0].t()


def _resize(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    return _channels_last(resize(x, size))


def _pixel_mlp(mlp: PixelMLP, x: torch.Tensor) -> torch.Tensor:
    """Dense layers + ReLU on every pixel, chunk by chunk so the activations stay in cache."""
    layers = [(_matrix(m), m.bias) for m in mlp if isinstance(m, nn.Conv2d)]
    width = layers[-1][0].shape[1]
    out = _empty(x, width)
    rows_in, rows_out = _pixels(x), _pixels(out)
    total = rows_in.shape[0]
    chunk = CPU_CHUNK if x.device.type == "cpu" else total  # a GPU wants one big product
    scratch = [x.new_empty((min(chunk, total), width)) for _ in range(2)]
    for start in range(0, total, chunk):
        current = rows_in[start:start + chunk]
        n = current.shape[0]
        for i, (weight, bias) in enumerate(layers):
            last = i == len(layers) - 1
            target = rows_out[start:start + n] if last else scratch[i % 2][:n]
            torch.addmm(bias, current, weight, out=target).relu_()
            current = target
    return out


def _linear(conv: nn.Conv2d, *pieces: torch.Tensor) -> torch.Tensor:
    """`conv(torch.cat(pieces, 1))` for a 1x1 `conv`, as one product per piece.

    Pieces may cover only the first input channels: the rest then contribute nothing.
    """
    weight, first = _matrix(conv), pieces[0].shape[1]
    out = _matrix_product(pieces[0], weight[:first], conv.bias)
    rows, offset = _pixels(out), first
    for piece in pieces[1:]:
        rows.addmm_(_pixels(piece), weight[offset:offset + piece.shape[1]])
        offset += piece.shape[1]
    return out


def _smoothed_head(fusion: Fusion, head: nn.Conv2d, mixed: torch.Tensor) -> torch.Tensor:
    """The fusion part of a one-channel 1x1 `head`: `head_f(fusion.smooth(mixed))`, `head_f`
    being the head's columns after the first `mixed.shape[1]` (the pixel features' own).

    Both are linear, so they compose into one 3x3 convolution to one channel (same zero
    padding), run on a CPU as three 1x3 rows (`row_split_conv`).
    """
    columns = head.weight[:, -fusion.smooth.out_channels:, 0, 0]  # (1, C): the fused half
    weight = torch.einsum("oc,cikl->oikl", columns, fusion.smooth.weight)
    bias = columns @ fusion.smooth.bias
    if mixed.device.type == "cpu":
        return row_split_conv(weight, bias, mixed)
    return F.conv2d(mixed, weight, bias, padding=fusion.smooth.padding)


def _coarse_fusion_mixed(fusion: Fusion, u2: torch.Tensor, u4: torch.Tensor,
                         full: tuple[int, int]) -> torch.Tensor:
    """`relu(fusion.mix(resize(u2, full), resize(u4, full)))`, the half-scale fusion's input.

    The 1x1 mix runs on the coarse maps before upsampling (linear maps commute with a bilinear
    resize, which keeps constants), so neither is ever upsampled itself. The fusion's output is
    then halved by bilinear resize with half-pixel centres, which on a map of even size
    averages each 2x2 block (`avg_pool2d(., 2)` in `_forward_model`).
    """
    weight, w = _matrix(fusion.mix), u2.shape[1]
    mixed = _resize(_matrix_product(u2, weight[:w], fusion.mix.bias), full)
    mixed += _resize(_matrix_product(u4, weight[w:]), full)
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


def _fusion_mixed(fusion: Fusion, y: torch.Tensor, coarse: torch.Tensor) -> torch.Tensor:
    """`relu(fusion.mix(y, resize(coarse)))` with the coarse part of the mix run before
    upsampling."""
    weight = _matrix(fusion.mix)
    mixed_coarse = _matrix_product(coarse, weight[y.shape[1]:], fusion.mix.bias)
    mixed = _resize(mixed_coarse, tuple(y.shape[-2:]))
    _pixels(mixed).addmm_(_pixels(y), weight[:y.shape[1]])
    return mixed.relu_()


def _fusion_upsampled(fusion: Fusion, y: torch.Tensor, coarse: torch.Tensor) -> torch.Tensor:
    """`fusion(y, resize(coarse))`, the mix's coarse part run before upsampling."""
    return fusion.smooth(_fusion_mixed(fusion, y, coarse))


def _inverse(inverse: InverseProcess, x: torch.Tensor,
             rows: list[nn.Conv2d] | None = None) -> torch.Tensor:
    """The inverse path on `x`; `rows`, when given, are the row convolutions still to run."""
    if rows is None:
        rows = [layer for layer in inverse.rows if isinstance(layer, nn.Conv2d)]
    for layer in rows:
        x = layer(x).relu_()  # every row conv is followed by a ReLU
    return _dense_blocks(list(inverse.blocks), x)


class _DenseChainWeights:
    """The weights of a chain of residual dense blocks, regrouped by the feature piece they read.

    Block b's input is [s_{b-1}, ..., s_0, r] (r: the row-conv output, s_j: block j's squeeze
    output; each block puts its squeeze in front), and its step i reads that plus the growths
    g_{b,0..i-1}. Step (b, i)'s pre-activation lives in channels 4*(3b + i) of one accumulator,
    block b's squeeze in channels 4b of another, so every piece's consumers form one contiguous
    channel range there: r feeds all steps and squeezes, s_j those of the blocks after j, and
    g_{b,k} the later steps of block b and its squeeze.
    """

    def __init__(self, blocks: list[ResidualDenseBlock]) -> None:
        self.growth = blocks[0].squeeze.out_channels
        self.depth = len(blocks[0].steps)
        firsts = [[step[0] for step in block.steps] for block in blocks]
        self.base = blocks[0].steps[0][0].in_channels  # r's channels

        def columns(b: int, piece_offset: int, width: int, first_step: int = 0):
            step_weights = [firsts[b][i].weight[:, piece_offset:piece_offset + width]
                            for i in range(first_step, self.depth)]
            squeeze = blocks[b].squeeze.weight[:, piece_offset:piece_offset + width, 0, 0].t()
            return step_weights, squeeze

        g, r_width = self.growth, self.base
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


def _dense_blocks(blocks: list[ResidualDenseBlock], r: torch.Tensor) -> torch.Tensor:
    """The chain `blocks` applied to `r`, without building any running concatenation."""
    w = _DenseChainWeights(blocks)
    g, depth = w.growth, w.depth
    steps_acc = _channels_last(F.conv2d(r, w.r_conv, w.r_conv_bias, padding=1))
    squeeze_acc = torch.addmm(w.r_squeeze_bias, _pixels(r), w.r_squeeze)
    for b, block in enumerate(blocks):
        first = g * depth * b
        for i, step in enumerate(block.steps):
            pre = steps_acc[:, first + g * i:first + g * (i + 1)]
            growth = step[2](_relu_of_slice(pre))
            later = w.g_conv[b][i]
            if later is not None:
                _add_to_slice(steps_acc[:, first + g * (i + 1):first + g * depth],
                              F.conv2d(growth, later, padding=1))
            squeeze_acc[:, g * b:g * (b + 1)].addmm_(_pixels(growth), w.g_squeeze[b][i])
        if b < len(blocks) - 1:  # the later blocks read this block's squeeze
            s = squeeze_acc[:, g * b:g * (b + 1)]
            s = _copy_of_slice(s.view(r.shape[0], r.shape[2], r.shape[3], g).permute(0, 3, 1, 2))
            _add_to_slice(steps_acc[:, g * depth * (b + 1):], F.conv2d(s, w.s_conv[b], padding=1))
            squeeze_acc[:, g * (b + 1):].addmm_(_pixels(s), w.s_squeeze[b])
    return _block_output(squeeze_acc, r, len(blocks), g)


def _copy_of_slice(piece: torch.Tensor) -> torch.Tensor:
    """A channels-last copy of `piece`, a channel slice of a channels-last map."""
    out = _empty(piece, piece.shape[1])
    _write_rows(_pixels(out), _pixels(piece))
    return out


def _relu_of_slice(piece: torch.Tensor) -> torch.Tensor:
    """`relu(piece)` as a new channels-last map, `piece` a channel slice of one: in float32 in
    one pass; in bfloat16 copied as `_write_rows` does, then rectified in place."""
    if piece.dtype != torch.bfloat16:
        return torch.clamp_min(piece, 0, out=_empty(piece, piece.shape[1]))
    return _copy_of_slice(piece).relu_()


def _add_to_slice(target: torch.Tensor, values: torch.Tensor) -> None:
    """`target += values` for a channel slice `target` of a channels-last map."""
    _write_rows(_pixels(target), _pixels(values), accumulate=True)


def _write_rows(target: torch.Tensor, values: torch.Tensor, accumulate: bool = False) -> None:
    """`target = values` (or `+=`) for (pixels, channels) matrices whose rows may be strided;
    a one-column `values` is broadcast over every column of `target`, as `add_` would.

    In bfloat16 this is a product with the identity (with a row of ones for one column), which
    BLAS reads and writes through the row stride, rounded once as the sum is: the elementwise
    kernels walk a slice's short rows of channels one element at a time, converting each.
    With it m-rBCR's 768² tile took 0.42-0.44 s instead of 0.47-0.50 s (2-core Zen 5, memory
    reused as in the verbs), and its residual's broadcast over 48 channels 2.5 ms instead of
    11.7. In float32 the elementwise kernels are the faster (4 of 64 channels at 768²: 2.2 ms
    against 3.9; the broadcast 1.7 ms), so they stay.
    """
    if values.dtype != torch.bfloat16:
        target.add_(values) if accumulate else target.copy_(values)
        return
    like = {"dtype": values.dtype, "device": values.device}
    spread = (torch.ones((1, target.shape[1]), **like) if values.shape[1] == 1
              else torch.eye(values.shape[1], **like))
    target.addmm_(values, spread, beta=1 if accumulate else 0)  # beta 0: target unread


def _block_output(squeezes: torch.Tensor, r: torch.Tensor, n_blocks: int,
                  growth: int) -> torch.Tensor:
    """The chain's output `[s_last, ..., s_0, r]` (channels-last) from the squeeze accumulator.

    Copied piece by piece into one new map: `torch.cat` of channels-last maps along channels
    took 36 ms at 768² on a 2-core Zen 5, these copies 3.
    """
    out = _empty(r, n_blocks * growth + r.shape[1])
    for b in range(n_blocks):
        first = growth * (n_blocks - 1 - b)
        _write_rows(_pixels(out[:, first:first + growth]), squeezes[:, growth * b:growth * (b + 1)])
    _write_rows(_pixels(out[:, n_blocks * growth:]), _pixels(r))
    return out
