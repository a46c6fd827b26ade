"""The focus fit: exact for intensities that are polynomials in z, whatever the spacing."""
import numpy as np
import pytest

from napari_inverse.classical.phase_planes import focus_fit_weights


@pytest.mark.parametrize("dz", [[-700.0, 500.0], [-900.0, 0.0, 400.0],
                                [-2000.0, -800.0, 0.0, 300.0, 1500.0]])
def test_value_and_slope_at_focus_are_exact_for_a_line_or_parabola(dz):
    rng = np.random.default_rng(0)
    value, slope, curvature = rng.normal(size=(3, 8, 8))
    curvature = curvature if len(dz) > 2 else 0 * curvature
    z = np.asarray(dz)[:, None, None]
    planes = value + slope * z + curvature * z**2
    at_focus, derivative = (np.tensordot(w, planes, axes=1) for w in focus_fit_weights(dz))
    np.testing.assert_allclose(at_focus, value, atol=1e-9)
    np.testing.assert_allclose(derivative, slope, atol=1e-12)


def test_five_planes_average_noise_better_than_the_central_difference():
    # For i.i.d. noise σ the slope's noise is σ·|w₁|; 5 planes spread over ±2Δz beat ±Δz alone.
    three = np.linalg.norm(focus_fit_weights([-1.0, 0.0, 1.0])[1])
    five = np.linalg.norm(focus_fit_weights([-2.0, -1.0, 0.0, 1.0, 2.0])[1])
    assert three == pytest.approx(1 / np.sqrt(2))
    assert five < 0.5 * three


def test_one_distinct_distance_is_refused():
    with pytest.raises(ValueError, match="two planes"):
        focus_fit_weights([500.0, 500.0])
