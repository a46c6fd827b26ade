"""PSNR, NRMSE and the pooled/per-image stack PSNR on cases with known answers."""
import numpy as np
import pytest

from napari_inverse.metrics import mean_psnr, nrmse, pooled_psnr, psnr


def test_psnr_of_known_error():
    truth = np.zeros((10, 10))
    truth[0, 0] = 100.0  # data range 100
    estimate = truth + 1.0  # MSE 1
    assert psnr(truth, estimate) == pytest.approx(40.0)
    assert psnr(truth, truth) == float("inf")


def test_psnr_with_explicit_data_range():
    truth = np.random.default_rng(0).random((8, 8))
    estimate = truth + np.where(np.arange(64).reshape(8, 8) % 2, 0.5, -0.5)  # MSE 0.25
    assert psnr(truth, estimate, data_range=2.0) == pytest.approx(10 * np.log10(4 / 0.25))


def test_psnr_refuses_mismatched_constant_or_non_finite_input():
    with pytest.raises(ValueError, match="shapes differ"):
        psnr(np.zeros((4, 4)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match="constant"):
        psnr(np.ones((4, 4)), np.zeros((4, 4)))
    with pytest.raises(ValueError, match="positive"):
        psnr(np.ones((4, 4)), np.zeros((4, 4)), data_range=-1.0)
    estimate = np.zeros((4, 4))
    estimate[1, 2] = np.nan
    with pytest.raises(ValueError, match="estimate has 1 NaN"):
        psnr(np.eye(4), estimate)


def test_nrmse_under_each_normalisation():
    truth = np.array([[0.0, 2.0], [4.0, 6.0]])  # range 6, mean 3, std √5
    estimate = truth + np.array([[1.0, -1.0], [1.0, -1.0]])  # RMSE 1
    assert nrmse(truth, truth) == 0.0
    assert nrmse(truth, estimate) == pytest.approx(1 / 6)
    assert nrmse(truth, estimate, data_range=2.0) == pytest.approx(1 / 2)
    assert nrmse(truth, estimate, "mean") == pytest.approx(1 / 3)
    assert nrmse(truth, estimate, "std") == pytest.approx(1 / np.sqrt(5))
    with pytest.raises(ValueError, match="only applies"):
        nrmse(truth, estimate, "mean", data_range=1.0)
    with pytest.raises(ValueError, match="normalization must be"):
        nrmse(truth, estimate, "median")


def test_pooled_and_mean_psnr_differ_as_computed_by_hand():
    truth = np.zeros((2, 4, 4))
    estimate = truth.copy()
    estimate[0] += 0.1  # MSE 0.01 → PSNR 20 dB at data range 1
    estimate[1] += 0.3  # MSE 0.09 → PSNR 10·log10(1/0.09) = 10.4576 dB
    assert mean_psnr(truth, estimate) == pytest.approx((20 + 10 * np.log10(1 / 0.09)) / 2)
    assert pooled_psnr(truth, estimate) == pytest.approx(10 * np.log10(1 / 0.05))  # pooled MSE 0.05
    assert pooled_psnr(truth, estimate) < mean_psnr(truth, estimate)


def test_pooled_and_mean_psnr_agree_for_equal_errors_and_refuse_single_images():
    truth = np.random.default_rng(1).random((3, 8, 8))
    estimate = truth + 0.05
    assert pooled_psnr(truth, estimate) == pytest.approx(mean_psnr(truth, estimate))
    with pytest.raises(ValueError, match="stack"):
        pooled_psnr(truth[0], estimate[0])
