"""The depth-of-field rule on an in-focus probability: the depth from its 0.5 crossings and the
mask it gives, against profiles of known depth."""
import numpy as np
import pytest

from napari_inverse.classical.focus_from_probability import (depth_from_probability,
                                                             in_focus_from_probability)

PLANES = 12


def profile(depth: float, half_width: float) -> np.ndarray:
    """A probability that falls linearly through 0.5 at depth ± half_width, (Z, 1, 1)."""
    z = np.arange(PLANES, dtype=np.float32)
    return np.clip(0.5 + 0.2 * (half_width - np.abs(z - depth)), 0, 1)[:, None, None]


@pytest.mark.parametrize("depth", [3.0, 5.3, 6.75, 8.4])
def test_the_depth_is_the_midpoint_of_the_crossings(depth):
    assert depth_from_probability(profile(depth, 1.4))[0, 0] == pytest.approx(depth, abs=1e-5)


def test_a_run_reaching_the_stack_end_ends_half_a_plane_beyond_it():
    # in focus from below plane 0 to the crossing at 1.6: the run is [−0.5, 1.6]
    probability = profile(0.2, 1.4)
    assert depth_from_probability(probability)[0, 0] == pytest.approx((-0.5 + 1.6) / 2)


def test_the_mask_spans_the_depth_of_field_where_the_threshold_is_reached():
    probability = np.concatenate([profile(5.3, 1.4), 0.5 * profile(5.3, 1.4)], axis=2)
    mask, depth, focused = in_focus_from_probability(probability, depth_of_field_planes=2.4)
    assert focused.tolist() == [[True, False]]  # the second never reaches 0.5
    np.testing.assert_array_equal(np.flatnonzero(mask[:, 0, 0]), [5, 6])  # |k − 5.3| ≤ 1.2
    assert not mask[:, 0, 1].any()
    lower, depth, _ = in_focus_from_probability(probability, depth_of_field_planes=2.4,
                                                  threshold=0.3)
    assert depth[0, 1] == 5  # its peak plane: it never crosses 0.5
    np.testing.assert_array_equal(np.flatnonzero(lower[:, 0, 1]), [4, 5, 6])
