"""Focal stacks: the true in-focus masks agree with where a classical focus measure peaks, the
depth-of-field formula, light conservation, noise and seeded determinism."""
import numpy as np
import pytest
from scipy.ndimage import laplace, uniform_filter

from napari_inverse import Optics
from napari_inverse.simulate import depth_of_field_nm, focal_stack

# A 20×/0.5 dry objective: depth of field 2.73 µm, sampled by planes 1 µm apart.
OPTICS = Optics(na=0.5, wavelength_nm=520, pixel_size_nm=325, refractive_index=1.0, z_step_nm=1000)
SHAPE, PLANES = (64, 64), 6


def make(**kwargs):
    """A 64×64×6 stack; the scalar Born–Wolf PSF is adequate at NA 0.5 and twice as fast."""
    return focal_stack(SHAPE, OPTICS, n_planes=PLANES, psf_model="born_wolf", **kwargs)


@pytest.fixture(scope="module", params=["surface", "cells"])
def stack(request):
    return make(scene=request.param, seed=0)


def laplacian_variance(stack, window=9):
    """Local variance of the Laplacian, a classical focus measure (references.md §5)."""
    lap = np.stack([laplace(plane.astype(np.float64)) for plane in stack])
    mean = uniform_filter(lap, (1, window, window))
    return uniform_filter(lap**2, (1, window, window)) - mean**2


def test_depth_of_field_is_the_standard_formula():
    assert depth_of_field_nm(OPTICS) == pytest.approx(520 / 0.25 + 325 / 0.5)  # 2730 nm
    oil = Optics(na=1.4, wavelength_nm=520, pixel_size_nm=65, refractive_index=1.518)
    assert depth_of_field_nm(oil) == pytest.approx(473.2, abs=0.1)


def test_focus_measure_peaks_inside_the_true_in_focus_slices(stack):
    measure = laplacian_variance(stack.stack)
    sharpest = measure.argmax(axis=0)
    textured = ~np.isnan(stack.depth_nm)
    hit = np.take_along_axis(stack.in_focus, sharpest[None], axis=0)[0]
    assert textured.mean() > 0.25
    assert hit[textured].mean() > 0.9  # measured ≈ 1.0 (surface) and ≈ 0.94 (objects)
    inside, outside = stack.in_focus & textured, ~stack.in_focus & textured
    assert measure[inside].mean() > 3 * measure[outside].mean()


def test_masks_are_the_depth_within_half_the_depth_of_field_of_each_plane(stack):
    assert stack.stack.shape == stack.in_focus.shape == (PLANES, *SHAPE)
    assert stack.stack.dtype == np.float32 and stack.in_focus.dtype == bool
    np.testing.assert_array_equal(stack.z_planes_nm, np.arange(PLANES) * 1000.0)
    distance = np.abs(stack.depth_nm[None].astype(np.float64) - stack.z_planes_nm[:, None, None])
    np.testing.assert_array_equal(stack.in_focus, distance <= 2730.0 / 2)
    assert not stack.in_focus[:, np.isnan(stack.depth_nm)].any()  # the dark background never is
    depths = stack.depth_nm[~np.isnan(stack.depth_nm)]
    assert depths.min() >= 0 and depths.max() <= 5000
    assert stack.metadata["depth_of_field_nm"] == pytest.approx(2730.0)


def test_every_plane_carries_the_same_light(stack):
    totals = stack.stack.sum(axis=(1, 2))
    assert totals.std() / totals.mean() < 1e-4


def test_surface_scene_is_a_sheet_over_most_of_the_depth():
    surface = make(scene="surface", seed=0)
    assert not np.isnan(surface.depth_nm).any()
    assert np.nanmin(surface.depth_nm) == pytest.approx(750, abs=500)  # 15 % … 85 % of 5 µm
    assert np.nanmax(surface.depth_nm) == pytest.approx(4250, abs=500)


def test_same_seed_same_stack_and_noise_keeps_the_mean():
    clean = make(seed=3)
    again = make(seed=3)
    other = make(seed=4)
    np.testing.assert_array_equal(clean.stack, again.stack)
    np.testing.assert_array_equal(clean.in_focus, again.in_focus)
    assert not np.array_equal(clean.stack, other.stack)
    noisy = make(photons=500, seed=3)
    np.testing.assert_array_equal(noisy.depth_nm, clean.depth_nm)
    assert noisy.stack.mean() == pytest.approx(clean.stack.mean(), rel=0.02)
    residual = (noisy.stack - clean.stack)[clean.stack > 0.5]
    assert residual.var() == pytest.approx((clean.stack[clean.stack > 0.5] / 500).mean(), rel=0.2)


def test_bad_input_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="z_step_nm"):
        focal_stack(SHAPE, Optics(na=0.5, wavelength_nm=520, pixel_size_nm=325))
    with pytest.raises(ValueError, match="scene"):
        focal_stack(SHAPE, OPTICS, scene="beads")
    with pytest.raises(ValueError, match="photons"):
        focal_stack(SHAPE, OPTICS, photons=-1)
