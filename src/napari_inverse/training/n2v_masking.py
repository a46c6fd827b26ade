"""Noise2Void blind-spot masking (Krull, Buchholz & Jug, CVPR 2019; references.md §6.1).

About 0.2 % of the pixels of each patch are chosen on a jittered grid (one per cell, so they
spread evenly) and replaced by a uniformly drawn neighbour within ``radius`` that is not the pixel
itself; the network is then trained to predict the original noisy value there and nowhere else.
Because pixel noise is independent, it cannot learn to copy the noise, only the signal.
N2V2 (Höck et al. 2022) replaces with the neighbourhood median instead, against checkerboards.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

MASKED_FRACTION = 0.00198  # n2v_perc_pix = 0.198 %
RADIUS = 5  # neighbourhood 11 × 11 (careamics roi_size=11)


def blind_spot_mask(shape: tuple[int, ...], generator: torch.Generator,
                    fraction: float = MASKED_FRACTION) -> torch.Tensor:
    """Boolean (batch, 1, *spatial) mask with one pixel per grid cell of ~1/fraction pixels."""
    batch, _, *spatial = shape
    cell = max(1, round((1.0 / fraction) ** (1.0 / len(spatial))))
    mask = torch.zeros(shape, dtype=torch.bool)
    grids = [torch.arange(0, s, cell) for s in spatial]
    corners = torch.stack(torch.meshgrid(*grids, indexing="ij"), dim=-1).reshape(-1, len(spatial))
    for b in range(batch):
        jitter = torch.randint(0, cell, corners.shape, generator=generator)
        points = corners + jitter
        inside = torch.ones(len(points), dtype=torch.bool)
        for axis, size in enumerate(spatial):
            inside &= points[:, axis] < size
        points = points[inside]
        mask[(b, 0, *points.T)] = True
    return mask


def uniform_neighbour_replace(x: torch.Tensor, mask: torch.Tensor, generator: torch.Generator,
                              radius: int = RADIUS) -> torch.Tensor:
    """``x`` with each masked pixel set to a random other pixel within ``radius`` (clamped)."""
    spatial = x.shape[2:]
    where = mask.nonzero(as_tuple=False)  # (n, 2 + ndim)
    n = len(where)
    offsets = torch.zeros((n, len(spatial)), dtype=torch.long)
    todo = torch.ones(n, dtype=torch.bool)
    while bool(todo.any()):  # redraw the rare zero offsets: the centre is excluded
        drawn = torch.randint(-radius, radius + 1, (int(todo.sum()), len(spatial)),
                              generator=generator)
        offsets[todo] = drawn
        todo = (offsets == 0).all(dim=1)
    offsets = offsets.to(where.device)
    source = where.clone()
    for axis, size in enumerate(spatial):
        source[:, 2 + axis] = (where[:, 2 + axis] + offsets[:, axis]).clamp(0, size - 1)
    replaced = x.clone()
    replaced[tuple(where.T)] = x[tuple(source.T)]
    return replaced


def median_replace(x: torch.Tensor, mask: torch.Tensor, radius: int = 1) -> torch.Tensor:
    """``x`` with each masked pixel set to the median of its (2r+1)ⁿ neighbourhood without it."""
    ndim = x.dim() - 2
    size = 2 * radius + 1
    padded = F.pad(x, [radius] * (2 * ndim), mode="replicate")
    patches = padded
    for axis in range(ndim):
        patches = patches.unfold(2 + axis, size, 1)
    patches = patches.reshape(*x.shape, -1)
    centre = (size ** ndim) // 2
    keep = [i for i in range(size ** ndim) if i != centre]
    medians = patches[..., keep].median(dim=-1).values
    return torch.where(mask.to(x.device), medians, x)


def mask_batch(x: torch.Tensor, generator: torch.Generator, n2v2: bool = False
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """(masked input, mask) for a batch of noisy patches."""
    mask = blind_spot_mask(tuple(x.shape), generator).to(x.device)
    masked = median_replace(x, mask) if n2v2 else uniform_neighbour_replace(x, mask, generator)
    return masked, mask


def masked_mse(prediction: torch.Tensor, noisy: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """MSE between prediction and the original noisy values on the masked pixels only."""
    count = mask.sum().clamp_min(1)
    return ((prediction - noisy) ** 2 * mask).sum() / count

