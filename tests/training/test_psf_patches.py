"""PI-DDPM's physics term in training: patches carry their own pair's widefield PSF."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from napari_inverse.nets import CVDM
from napari_inverse.optics import widefield_psf
from napari_inverse.simulate.pairs import (MicroscopeRanges, super_resolution_optics,
                                           super_resolution_pair)
from napari_inverse.training import RECIPES, PatchSampler
from napari_inverse.training.objectives import cvdm_objective, cvdm_physics_objective
from napari_inverse.training.psf_patches import PSFPatchSampler, pool_psfs

RANGES = MicroscopeRanges(nyquist_fraction=(0.5, 1.2))


def test_a_pooled_pairs_optics_are_recovered_from_its_seed_alone():
    for seed in (11, 12):
        pair = super_resolution_pair(seed, (32, 32), ranges=RANGES)
        assert super_resolution_optics(seed, RANGES).to_dict() == pair.metadata["optics"]


def test_each_patch_carries_its_own_frames_psf_centred_and_summing_to_one():
    psfs = pool_psfs(11, 2, 32, RANGES)
    assert psfs.shape == (2, 32, 32) and np.allclose(psfs.sum(axis=(1, 2)), 1, atol=1e-5)
    assert all(np.unravel_index(p.argmax(), p.shape) == (16, 16) for p in psfs)
    expected = widefield_psf(super_resolution_optics(12, RANGES), (31, 31))
    assert np.allclose(psfs[1, 1:, 1:], expected, atol=1e-7)
    images = np.stack([np.full((40, 40), 10.0 * (k + 1)) + np.arange(40) for k in range(2)])
    sampler = PSFPatchSampler(images, images * 2, (32, 32), psfs, seed=0)
    plain = PatchSampler([images], [images * 2], (32, 32))
    for frame in (0, 1):
        x, y = sampler.patch_at(frame, (3, 5))
        expected_x, expected_y = plain.patch_at(frame, (3, 5))
        assert np.array_equal(x, expected_x) and np.array_equal(y[0], expected_y)
        assert np.array_equal(y[1], psfs[frame])
    assert sampler.sample(3)[1].shape == (3, 1, 2, 32, 32)
    with pytest.raises(ValueError, match="one"):
        PSFPatchSampler(images, images, (32, 32), psfs[:1])


def test_physics_objective_is_cvdms_loss_plus_a_non_negative_term():
    """Weight 0: exactly CVDM's loss on the same draws; a weight adds a positive amount."""
    torch.manual_seed(0)
    net = CVDM(width=4, depth=2, schedule_width=4, residual_scale=4.0)
    x = torch.rand(2, 1, 32, 32)
    target = x + 0.1 * torch.randn_like(x)
    psf = torch.from_numpy(pool_psfs(11, 2, 32, RANGES))[:, None]
    y = torch.stack([target, psf], dim=2)
    losses = [objective(net, x, t, torch.Generator().manual_seed(5)).detach() for objective, t in (
        (cvdm_objective, target), (cvdm_physics_objective(0.0), y),
        (cvdm_physics_objective(100.0), y))]
    assert float(losses[1]) == pytest.approx(float(losses[0]), rel=1e-6)
    assert float(losses[2]) > float(losses[0]) * (1 + 1e-4)


def test_only_cvdm_super_resolution_recipes_take_a_physics_weight():
    with pytest.raises(ValueError, match="physics_weight"):
        dataclasses.replace(RECIPES["care-widefield-sr"], physics_weight=1.0)
    assert dataclasses.replace(RECIPES["cvdm-widefield-sr"], physics_weight=1.0).physics_weight
