"""Losses: m-rBCR's MSE + row-FFT L1 summed over scales, and CARE's Laplace NLL, by hand."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from napari_inverse.nets import bcr_loss, laplace_nll, mrbcr_loss


def test_bcr_loss_of_a_single_impulse_row():
    # error = impulse: MSE = 1/4; its unnormalised row FFT is 1 at every frequency -> 0.5 * 1
    target = torch.tensor([[[[1.0, 0.0, 0.0, 0.0]]]])
    assert bcr_loss(torch.zeros_like(target), target).item() == pytest.approx(0.75)


def test_bcr_loss_uses_a_1d_fft_along_rows_only():
    rng = np.random.default_rng(0)
    p, t = rng.random((2, 1, 3, 6)), rng.random((2, 1, 3, 6))
    fourier = np.abs(np.fft.fft(t, axis=-1) - np.fft.fft(p, axis=-1))
    expected = np.mean((p - t) ** 2) + 0.5 * np.mean(fourier)
    got = bcr_loss(torch.from_numpy(p), torch.from_numpy(t)).item()
    assert got == pytest.approx(expected, rel=1e-12)


def test_mrbcr_loss_sums_scales_against_strided_targets():
    # an output offset by a constant c: MSE = c^2, row FFT error = (W c, 0, ...) -> mean |.| = |c|
    target = torch.rand(2, 1, 13, 10)
    offsets = (1.0, 2.0, -1.0)
    outputs = tuple(target[..., ::s, ::s] + c for s, c in zip((1, 2, 4), offsets))
    expected = sum(c**2 + 0.5 * abs(c) for c in offsets)  # 1.5 + 5 + 1.5
    assert mrbcr_loss(outputs, target).item() == pytest.approx(expected, rel=1e-5)


def test_shape_mismatch_is_refused():
    with pytest.raises(ValueError, match="shapes differ"):
        bcr_loss(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 4, 5))


def test_laplace_nll_by_hand_and_its_minimum_at_the_absolute_error():
    loc, target = torch.zeros(1, 1, 2, 2), torch.full((1, 1, 2, 2), 0.5)
    assert laplace_nll(loc, torch.ones_like(loc), target).item() == pytest.approx(0.5 + math.log(2))
    scales = torch.linspace(0.1, 2.0, 39)
    values = [laplace_nll(loc, torch.full_like(loc, s.item()), target).item() for s in scales]
    assert scales[int(np.argmin(values))].item() == pytest.approx(0.5)
