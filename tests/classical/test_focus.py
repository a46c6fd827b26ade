"""Focus measures, depth map, all-in-focus image and weak labels against stacks of known truth."""
import dask.array as da
import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from napari_inverse import Optics
from napari_inverse import InvalidInput
from napari_inverse.classical.focus import (_parabola_vertex, depth_of_field_planes, focus_peak,
                                           focused_pixels, foreground, in_focus_slice,
                                           otsu_threshold, weak_labels)
from napari_inverse.classical.focus_measures import MEASURES, focus_map
from napari_inverse.metrics import iou
from napari_inverse.simulate import focal_stack

OPTICS = Optics(na=0.5, wavelength_nm=520, pixel_size_nm=325, refractive_index=1.0, z_step_nm=1000)


@pytest.fixture(scope="module")
def surface():
    return focal_stack((96, 96), OPTICS, n_planes=8, scene="surface", photons=500,
                       psf_model="born_wolf", seed=1)


@pytest.mark.parametrize("measure", list(MEASURES))
def test_every_measure_scores_sharp_detail_above_its_blurred_copy(measure):
    sharp = 1 + np.random.default_rng(0).random((64, 64)).astype(np.float32)
    blurred = gaussian_filter(sharp, 2)
    ratio = focus_map(sharp, measure).mean() / focus_map(blurred, measure).mean()
    assert ratio > 2  # the weakest, Vollath: 2.9; the others 54–8900
    assert np.allclose(focus_map(np.full((32, 32), 2.0), measure), 0, atol=1e-5)


def test_parabola_vertex_finds_the_peak_of_a_gaussian_focus_curve():
    true_offset = np.array([-0.4, -0.1, 0.0, 0.25, 0.45])
    curve = [np.exp(-((k - true_offset) ** 2) / 3.0) for k in (-1, 0, 1)]
    np.testing.assert_allclose(_parabola_vertex(*curve), true_offset, atol=1e-5)


def test_depth_map_follows_the_true_depth_of_a_tilted_sheet(surface):
    peak = focus_peak(surface.stack)
    true_planes = surface.depth_nm / OPTICS.z_step_nm
    error = np.abs(peak.depth - true_planes)
    assert np.median(error) < 0.35 and np.mean(error < 1) > 0.9  # measured 0.18 and 0.98
    # the all-in-focus image is each pixel's value in its best plane
    np.testing.assert_array_equal(
        peak.all_in_focus, np.take_along_axis(surface.stack, peak.index[None], 0)[0])


def test_weak_labels_overlap_the_true_in_focus_masks(surface):
    mask, _ = weak_labels(surface.stack)
    assert mask.shape == surface.in_focus.shape and mask.dtype == bool
    assert iou(surface.in_focus, mask) > 0.6  # measured 0.81


def test_depth_of_field_rule_labels_the_slices_within_half_the_depth_of_field(surface):
    """NA 0.5 dry, 520 nm, 325 nm pixels: DOF = 520/0.25 + 325/0.5 = 2730 nm, planes 1000 nm
    apart, so a pixel is in focus in the slices within ±1.365 planes of its depth."""
    assert depth_of_field_planes(OPTICS) == pytest.approx(2.73)
    mask, peak = weak_labels(surface.stack, optics=OPTICS)
    focused = focused_pixels(peak)
    distance = np.abs(np.arange(8)[:, None, None] - peak.depth)
    np.testing.assert_array_equal(mask, (distance <= 1.365) & focused)
    # where the depth map is right, the labelled slices are the true in-focus ones
    true_planes = surface.depth_nm / OPTICS.z_step_nm
    right = focused & (np.abs(peak.depth - true_planes) < 0.05) & (
        np.abs(np.abs(np.arange(8)[:, None, None] - true_planes) - 1.365) > 0.05).all(axis=0)
    assert right.mean() > 0.1  # measured 0.14 of the pixels
    np.testing.assert_array_equal(mask[:, right], surface.in_focus[:, right])
    assert iou(surface.in_focus, mask) > 0.75  # measured 0.80 (the ratio rule's 0.81 here)


def test_a_wider_fraction_of_the_depth_of_field_labels_more_slices(surface):
    narrow, peak = weak_labels(surface.stack, optics=OPTICS, depth_fraction=0.25)
    wide, _ = weak_labels(surface.stack, optics=OPTICS, depth_fraction=0.75, peak=peak)
    assert not (narrow & ~wide).any() and wide.sum() > 1.5 * narrow.sum()


def test_the_depth_of_field_rule_needs_the_plane_spacing(surface):
    flat = Optics(na=0.5, wavelength_nm=520, pixel_size_nm=325, refractive_index=1.0)
    with pytest.raises(InvalidInput, match="z_step_nm"):
        weak_labels(surface.stack, optics=flat)


@pytest.fixture(scope="module")
def nuclei():
    return focal_stack((96, 96), OPTICS, n_planes=8, scene="nuclei", n_objects=10, photons=300,
                       psf_model="born_wolf", seed=2, background=0.05)


def test_otsu_threshold_separates_two_populations():
    rng = np.random.default_rng(0)
    dim, bright = rng.normal(1, 0.2, 3000), rng.normal(5, 0.5, 1000)
    level = otsu_threshold(np.concatenate([dim, bright]))
    assert np.mean(dim < level) > 0.99 and np.mean(bright > level) > 0.99


def test_foreground_finds_the_objects_and_keeps_a_textured_sheet_whole(nuclei, surface):
    objects = foreground(focus_peak(nuclei.stack).all_in_focus)
    assert iou(nuclei.in_focus.any(axis=0), objects) > 0.9  # measured 0.96
    assert foreground(focus_peak(surface.stack).all_in_focus).mean() > 0.9  # measured 0.95


def test_the_foreground_gate_stops_weak_labels_spilling_onto_background(nuclei):
    mask, peak = weak_labels(nuclei.stack)
    rises = peak.peak >= 1.5 * peak.lowest
    ungated = np.stack([in_focus_slice(focus_map(plane, "tenengrad", (5, 9, 17)), peak, rises)
                        for plane in nuclei.stack])
    gated_iou, ungated_iou = iou(nuclei.in_focus, mask), iou(nuclei.in_focus, ungated)
    assert gated_iou > 0.65 and gated_iou > ungated_iou + 0.3  # measured 0.78 and 0.09


def test_streaming_a_dask_stack_gives_what_numpy_gives(surface):
    lazy = da.from_array(surface.stack, chunks=(1, 96, 96))
    mask, peak = weak_labels(surface.stack)
    lazy_mask, lazy_peak = weak_labels(lazy)
    np.testing.assert_array_equal(mask, lazy_mask)
    np.testing.assert_array_equal(peak.depth, lazy_peak.depth)
