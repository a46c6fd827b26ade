"""Blind-spot masking follows Noise2Void: ~0.2 % of pixels, a random other neighbour within 5."""
from __future__ import annotations

import torch

from napari_inverse.training.n2v_masking import (MASKED_FRACTION, RADIUS, blind_spot_mask,
                                                 mask_batch, masked_mse, median_replace,
                                                 uniform_neighbour_replace)


def test_mask_density_matches_the_reference_fraction():
    generator = torch.Generator().manual_seed(0)
    mask = blind_spot_mask((16, 1, 128, 128), generator)
    fraction = mask.float().mean().item()
    assert abs(fraction - MASKED_FRACTION) / MASKED_FRACTION < 0.1


def test_replacements_come_from_a_neighbour_within_the_radius_never_the_pixel_itself():
    generator = torch.Generator().manual_seed(1)
    x = torch.arange(64 * 64, dtype=torch.float32).reshape(1, 1, 64, 64)  # values encode positions
    mask = blind_spot_mask(tuple(x.shape), generator)
    replaced = uniform_neighbour_replace(x, mask, generator)
    where = mask.nonzero()
    source = replaced[mask].long()
    dy = source // 64 - where[:, 2]
    dx = source % 64 - where[:, 3]
    assert torch.all((dy.abs() <= RADIUS) & (dx.abs() <= RADIUS))
    assert not torch.any((dy == 0) & (dx == 0))
    assert torch.equal(replaced[~mask], x[~mask])


def test_median_replacement_excludes_the_centre():
    x = torch.zeros(1, 1, 5, 5)
    x[0, 0, 2, 2] = 100.0
    mask = torch.zeros_like(x, dtype=torch.bool)
    mask[0, 0, 2, 2] = True
    assert median_replace(x, mask)[0, 0, 2, 2] == 0


def test_loss_counts_masked_pixels_only():
    noisy = torch.zeros(1, 1, 8, 8)
    prediction = torch.ones(1, 1, 8, 8)
    mask = torch.zeros_like(noisy, dtype=torch.bool)
    mask[0, 0, 1, 1] = mask[0, 0, 4, 5] = True
    prediction[0, 0, 4, 5] = 3.0
    assert masked_mse(prediction, noisy, mask).item() == (1 + 9) / 2


def test_mask_batch_works_in_3d():
    generator = torch.Generator().manual_seed(2)
    x = torch.randn(2, 1, 16, 32, 32)
    masked, mask = mask_batch(x, generator)
    assert mask.shape == x.shape and mask.any()
    assert torch.equal(masked[~mask], x[~mask])
