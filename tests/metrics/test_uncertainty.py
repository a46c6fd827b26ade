"""Calibration of predicted per-pixel σ: rank correlation, coverage and the calibration curve."""
import numpy as np
import pytest

from napari_inverse.metrics import (
    calibration_curve,
    calibration_factor,
    gaussian_coverage,
    interval_coverage,
    std_error_spearman,
)


@pytest.fixture(scope="module")
def gaussian_errors():
    """10⁶ pixels whose error is Gaussian with a per-pixel σ that is known exactly."""
    rng = np.random.default_rng(0)
    truth = rng.random(1_000_000)
    std = rng.uniform(0.1, 1.0, truth.shape)
    return truth, truth + std * rng.standard_normal(truth.shape), std


def test_spearman_is_one_when_std_is_proportional_to_the_error():
    rng = np.random.default_rng(1)
    truth = rng.random((32, 32))
    estimate = truth + rng.standard_normal(truth.shape)
    assert std_error_spearman(truth, estimate, 0.3 * np.abs(estimate - truth)) == pytest.approx(1.0)
    inverse = 1 / (1 + np.abs(estimate - truth))
    assert std_error_spearman(truth, estimate, inverse) == pytest.approx(-1.0)


def test_coverage_of_true_sigma_matches_the_gaussian(gaussian_errors):
    truth, estimate, std = gaussian_errors
    assert gaussian_coverage(1) == pytest.approx(0.6827, abs=1e-4)
    assert gaussian_coverage(2) == pytest.approx(0.9545, abs=1e-4)
    assert interval_coverage(truth, estimate, std, k=1) == pytest.approx(0.683, abs=0.01)
    assert interval_coverage(truth, estimate, std, k=2) == pytest.approx(0.954, abs=0.01)


def test_under_estimated_sigma_covers_less(gaussian_errors):
    truth, estimate, std = gaussian_errors
    halved = 0.5 * std  # ±k·(σ/2) covers what ±(k/2)·σ does
    assert interval_coverage(truth, estimate, halved, k=1) == pytest.approx(0.383, abs=0.01)
    assert interval_coverage(truth, estimate, halved, k=2) == pytest.approx(0.683, abs=0.01)


def test_calibration_factor_undoes_a_known_scale_error(gaussian_errors):
    """σ under-stated 3× is corrected by a factor 3; the true σ needs none."""
    truth, estimate, std = gaussian_errors
    assert calibration_factor(truth, estimate, std) == pytest.approx(1.0, abs=0.02)
    factor = calibration_factor(truth, estimate, std / 3)
    assert factor == pytest.approx(3.0, rel=0.02)
    assert interval_coverage(truth, estimate, factor * std / 3, k=2) == pytest.approx(0.954,
                                                                                        abs=0.005)


def test_calibration_curve_follows_the_gaussian_for_true_sigma(gaussian_errors):
    truth, estimate, std = gaussian_errors
    curve = calibration_curve(truth, estimate, std, ks=(0.5, 1, 2, 3))
    assert np.allclose(curve.observed, curve.expected, atol=0.01)
    assert np.all(np.diff(curve.observed) > 0)
    over_confident = calibration_curve(truth, estimate, 0.7 * std)
    assert np.all(over_confident.observed < over_confident.expected)


def test_uncertainty_metrics_refuse_bad_std():
    truth = np.zeros((4, 4))
    with pytest.raises(ValueError, match="negative"):
        interval_coverage(truth, truth + 1, -np.ones((4, 4)))
    with pytest.raises(ValueError, match="shapes differ"):
        interval_coverage(truth, truth, np.ones((4, 5)))
    with pytest.raises(ValueError, match="constant"):
        std_error_spearman(truth, truth + 1, np.ones((4, 4)))
    with pytest.raises(ValueError, match="positive"):
        calibration_curve(truth, truth, np.ones((4, 4)), ks=(0, 1))
