"""Pad an image so multi-resolution networks accept any size, and crop their outputs back.

Networks that halve the resolution `k` times need spatial sizes divisible by `2**k`. Padding is
added only at the end of each axis, so `x[..., ::s, ::s]` of the original is the top-left corner
of the same slicing of the padded image and every scale crops back to the original's slicing.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def pad_to_multiple(x: torch.Tensor, multiple: int, spatial_dims: int) -> torch.Tensor:
    """Pad the last `spatial_dims` axes at their end to a multiple of `multiple`.

    Mirror (reflect) padding keeps image statistics at the border; an axis too short to mirror
    (shorter than the padding it needs + 1) falls back to repeating the edge value.
    """
    sizes = x.shape[-spatial_dims:]
    extra = [(-n) % multiple for n in sizes]
    if not any(extra):
        return x
    mode = "reflect" if all(e < n for e, n in zip(extra, sizes)) else "replicate"
    pad: list[int] = []
    for e in reversed(extra):  # F.pad lists the last axis first
        pad += [0, e]
    return F.pad(x, pad, mode=mode)


def crop_to(x: torch.Tensor, sizes: tuple[int, ...]) -> torch.Tensor:
    """Keep the leading `sizes` elements of the last `len(sizes)` axes."""
    index = (Ellipsis, *(slice(0, n) for n in sizes))
    return x[index]
