"""The learned phase models' training data: the condition the verb builds too, reproducible
pairs, and patches that turn the image plane but never the order of the planes."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_inverse.classical import tie_phase
from napari_inverse.training.phase_data import (PhaseRanges, phase_pair, simulated_phase_stack,
                                                zmd_condition)
from napari_inverse.training.phase_sampler import PhasePatchSampler


@pytest.mark.parametrize("planes, channels", [("2plane", 3), ("rgb", 4)])
def test_a_pair_is_the_stacks_contrast_and_tie_phase_against_its_truth(planes, channels):
    ranges = PhaseRanges(planes)
    pair, again = phase_pair(7, (48, 48), ranges), phase_pair(7, (48, 48), ranges)
    stack = simulated_phase_stack(7, (48, 48), ranges)
    assert pair.input.shape == (channels, 48, 48) and pair.target.shape == (48, 48)
    assert np.array_equal(pair.input, again.input)  # a seed is one pair
    assert abs(float(pair.target.mean())) < 1e-5  # the truth has no piston
    planes_ = torch.as_tensor(stack.planes)
    expected_tie = tie_phase(planes_, stack.dz_nm, stack.wavelength_nm, stack.pixel_size_nm)
    np.testing.assert_allclose(pair.input[-1], expected_tie.numpy(), atol=1e-5)
    np.testing.assert_allclose(pair.input[:-1].mean(axis=(1, 2)), 0, atol=1e-5)  # contrast
    # the TIE phase already follows the truth: the network only corrects it
    assert np.corrcoef(pair.input[-1].ravel(), pair.target.ravel())[0, 1] > 0.5


def test_zmd_condition_stacks_contrast_and_tie():
    planes = torch.rand(2, 16, 16) + 0.5
    condition = zmd_condition(planes, [-1000, 1000], 550, 200)
    assert condition.shape == (3, 16, 16)
    np.testing.assert_allclose(condition[0], planes[0] / planes[0].mean() - 1, atol=1e-6)


def test_patches_turn_the_plane_together_and_keep_the_order_of_planes():
    rng = np.random.default_rng(0)
    truth = rng.random((3, 20, 20)).astype(np.float32)
    # channel k holds k everywhere, the last holds the truth itself
    conditions = np.stack([np.full_like(truth, 0.0), np.full_like(truth, 1.0), truth], axis=1)
    sampler = PhasePatchSampler(conditions, truth, 8, seed=1)
    x, y = sampler.sample(32)
    assert x.shape == (32, 3, 8, 8) and y.shape == (32, 1, 8, 8)
    assert torch.all(x[:, 0] == 0) and torch.all(x[:, 1] == 1)
    assert torch.equal(x[:, 2:], y)  # turned and flipped together
    first, second = sampler.fixed_batches(10, 4), sampler.fixed_batches(10, 4)
    assert [b[0].shape[0] for b in first] == [4, 4, 2]
    assert all(torch.equal(a[0], b[0]) for a, b in zip(first, second))
    with pytest.raises(ValueError, match="pair one"):
        PhasePatchSampler(conditions, truth[:2], 8)
