"""Phase RMSE blind to piston (and, when asked, to tilt)."""
import numpy as np
import pytest

from napari_inverse.metrics import phase_rmse


def phase_map():
    y, x = np.mgrid[:64, :64]
    return 2.0 * np.exp(-((x - 30) ** 2 + (y - 34) ** 2) / 200.0), y, x


def test_constant_piston_is_ignored():
    phase, _, _ = phase_map()
    assert phase_rmse(phase, phase + 1.7) == pytest.approx(0.0, abs=1e-12)


def test_known_sinusoidal_perturbation():
    phase, _, x = phase_map()
    amplitude = 0.3
    perturbed = phase + 0.5 + amplitude * np.sin(2 * np.pi * x / 16)  # whole periods across x
    assert phase_rmse(phase, perturbed) == pytest.approx(amplitude / np.sqrt(2))


def test_tilt_counts_unless_removed():
    phase, y, x = phase_map()
    tilted = phase + 0.2 + 0.01 * x - 0.02 * y
    assert phase_rmse(phase, tilted) > 0.3
    assert phase_rmse(phase, tilted, remove_tilt=True) == pytest.approx(0.0, abs=1e-12)


def test_phase_rmse_refuses_mismatched_maps():
    with pytest.raises(ValueError, match="shapes differ"):
        phase_rmse(np.zeros((4, 4)), np.zeros((4, 3)))


def test_tilt_removal_equals_a_least_squares_plane_fit():
    rng = np.random.default_rng(0)
    truth, estimate = rng.random((2, 12, 9))
    y, x = np.mgrid[:12, :9]
    design = np.column_stack([np.ones(x.size), y.ravel(), x.ravel()])
    difference = (estimate - truth).ravel()
    residual = difference - design @ np.linalg.lstsq(design, difference, rcond=None)[0]
    expected = np.sqrt(np.mean(residual**2))
    assert phase_rmse(truth, estimate, remove_tilt=True) == pytest.approx(expected)
