"""Synthetic specimens: shapes, value range, determinism, and sizes measured on the rendering."""

import numpy as np
import pytest
from scipy import ndimage

from napari_inverse.simulate.filaments import filaments
from napari_inverse.simulate.reticulum import _voronoi_edges
from napari_inverse.simulate.specimens import SPECIMENS, render_specimen

# Pixel sizes at which each specimen has something in a 2-D 128² and a 3-D 16×64×64 field.
PIXEL_NM = {"microtubules": 65, "actin": 65, "ccp": 65, "er": 65, "nuclei": 250, "beads": 100}


@pytest.mark.parametrize("name", SPECIMENS)
def test_specimens_are_bounded_deterministic_and_seeded(name):
    px = PIXEL_NM[name]
    one = render_specimen(name, (128, 128), px, seed=1)
    assert one.shape == (128, 128) and one.dtype == np.float32
    assert one.min() >= 0 and one.max() == pytest.approx(1.0)
    np.testing.assert_array_equal(one, render_specimen(name, (128, 128), px, seed=1))
    assert not np.array_equal(one, render_specimen(name, (128, 128), px, seed=2))
    volume = render_specimen(name, (16, 64, 64), px, z_step_nm=150, seed=1)
    assert volume.shape == (16, 64, 64) and volume.dtype == np.float32
    assert volume.min() >= 0 and volume.max() == pytest.approx(1.0)


def test_unknown_specimen_and_bad_fields_are_refused_with_the_fix():
    with pytest.raises(ValueError, match="choose one of microtubules"):
        render_specimen("mitochondria", (64, 64), 65)
    with pytest.raises(ValueError, match="2-D .* or 3-D"):
        render_specimen("er", (4, 4, 64, 64), 65)
    with pytest.raises(ValueError, match="pixel_size_nm"):
        render_specimen("ccp", (64, 64), -65)
    with pytest.raises(ValueError, match="diameter_nm"):
        render_specimen("ccp", (64, 64), 65, diameter_nm=(200, 100))


def _second_moment_fwhm(image: np.ndarray, px: float) -> float:
    """FWHM of a straight line's Gaussian cross-section, from its narrow principal moment."""
    yy, xx = np.indices(image.shape) * px
    cov = np.cov(np.stack([yy.ravel(), xx.ravel()]), aweights=image.ravel())
    return 2.3548 * np.sqrt(np.linalg.eigvalsh(cov)[0])


@pytest.mark.parametrize("seed", [0, 1])
def test_microtubule_is_25_nm_wide_at_5_nm_pixels(seed):
    line = filaments((200, 200), 5, n_filaments=1, persistence_nm=1e9, seed=seed)
    assert _second_moment_fwhm(line, 5) == pytest.approx(25, rel=0.05)


def _whole_objects(labels: np.ndarray) -> list[tuple[int, tuple[slice, ...]]]:
    """(label, slices) of labelled objects that the field's edge does not cut."""
    return [
        (index, found)
        for index, found in enumerate(ndimage.find_objects(labels), start=1)
        if all(0 < s.start and s.stop < n for s, n in zip(found, labels.shape))
    ]


def test_bead_has_the_variance_of_a_ball():
    field = render_specimen("beads", (400, 400), 5, diameter_nm=100, beads_per_um2=3, seed=0)
    labels, _ = ndimage.label(field > 0.01)
    whole = _whole_objects(labels)
    assert whole
    one = np.where(labels == whole[0][0], field, 0)
    yy = np.indices(one.shape)[0] * 5.0
    assert np.cov(yy.ravel(), aweights=one.ravel()) == pytest.approx(50.0**2 / 5, rel=0.1)


def _ring_radii(image: np.ndarray, px: float) -> list[float]:
    """Radius of peak brightness of each whole ring, about its filled footprint's centroid."""
    labels, _ = ndimage.label(ndimage.binary_fill_holes(image > 0.15))
    radii = []
    for index, _ in _whole_objects(labels):
        cy, cx = ndimage.center_of_mass(labels == index)
        r = np.hypot(*(np.indices(image.shape) - np.array([cy, cx])[:, None, None])) * px
        near = r < 150
        bins = np.round(r[near]).astype(int)
        profile = np.bincount(bins, image[near]) / np.maximum(np.bincount(bins), 1)
        radii.append(float(np.argmax(ndimage.uniform_filter1d(profile, 5))))
    return radii


def test_ccp_ring_radius_is_the_requested_one():
    rings = render_specimen("ccp", (256, 256), 5, diameter_nm=150, pits_per_um2=20, seed=0)
    radii = _ring_radii(rings, 5)
    assert len(radii) >= 5
    assert np.median(radii) == pytest.approx(75, rel=0.15)


def test_ccp_in_3d_is_a_hollow_shell():
    shell = render_specimen(
        "ccp", (48, 96, 96), 5, z_step_nm=10, diameter_nm=150, pits_per_um2=30, seed=1
    )
    labels, _ = ndimage.label(ndimage.binary_fill_holes(shell > 0.1))
    whole = _whole_objects(labels)
    assert whole
    centre = np.round(ndimage.center_of_mass(labels == whole[0][0])).astype(int)
    assert shell[tuple(centre)] < 0.05  # dark inside


def test_er_network_meets_at_three_way_junctions():
    ends_a, ends_b = _voronoi_edges(np.random.default_rng(0), np.array([10000.0, 10000.0]), 1000.0)
    _, degree = np.unique(np.round(np.vstack([ends_a, ends_b]), 6), axis=0, return_counts=True)
    assert degree.max() == 3
    assert np.mean(degree == 3) > 0.6


def test_nuclei_are_several_micrometres_across():
    image = render_specimen(
        "nuclei", (256, 256), 250, diameter_nm=10000, mitotic_fraction=0, fill_fraction=0.2, seed=0
    )
    labels, _ = ndimage.label(image > 0.05)
    lengths = [max(s.stop - s.start for s in found) * 250 for _, found in _whole_objects(labels)]
    assert lengths and 6000 < np.median(lengths) < 11000


def test_actin_is_denser_than_microtubules():
    cover = {
        name: np.mean(render_specimen(name, (128, 128), 65, seed=0) > 0.1)
        for name in ("actin", "microtubules")
    }
    assert cover["actin"] > 1.5 * cover["microtubules"]
