"""PSNR on cases with known answers."""
import numpy as np
import pytest

from napari_inverse.metrics import psnr


def test_psnr_of_known_error():
    truth = np.zeros((10, 10))
    truth[0, 0] = 100.0  # data range 100
    estimate = truth + 1.0  # MSE 1
    assert psnr(truth, estimate) == pytest.approx(40.0)
    assert psnr(truth, truth) == float("inf")


def test_psnr_refuses_mismatched_or_constant_truth():
    with pytest.raises(ValueError, match="shapes differ"):
        psnr(np.zeros((4, 4)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match="constant"):
        psnr(np.ones((4, 4)), np.zeros((4, 4)))
