"""The camera model φ: photon-transfer line, binning, quantisation and refused settings."""

import numpy as np
import pytest

from napari_inverse import Optics
from napari_inverse.simulate.camera import Camera
from napari_inverse.simulate.imaging import image_specimen


def photon_transfer_fit(camera: Camera, electron_levels, pixels_per_level: int = 2**16):
    """Slope and intercept of var(ADU) against mean(ADU) − offset over flat fields.

    Every level is one flat field of ``pixels_per_level`` pixels (2 rows, so 2×2 binning
    applies); the fit is weighted by 1/var, as a variance estimate's error grows with it.
    """
    rng = np.random.default_rng(0)
    flats = np.repeat(np.asarray(electron_levels, float)[:, None, None], 2, axis=1)
    flats = np.repeat(flats, pixels_per_level // 2, axis=2)
    images = camera.record(flats, rng).astype(np.float64).reshape(len(flats), -1)
    means, variances = images.mean(axis=1) - camera.offset_adu, images.var(axis=1, ddof=1)
    return np.polyfit(means, variances, 1, w=1 / variances)


@pytest.mark.parametrize(
    "gain, read_noise, binning", [(2.17, 1.6, 1), (0.5, 3.0, 1), (1.0, 1.2, 2)]
)
def test_variance_follows_the_photon_transfer_line(gain, read_noise, binning):
    camera = Camera(gain=gain, read_noise_e=read_noise, offset_adu=100.0, binning=binning)
    slope, intercept = photon_transfer_fit(camera, np.linspace(0, 100, 11) / binning**2)
    assert slope == pytest.approx(gain, rel=0.03)
    # Rounding to whole ADU adds 1/12 ADU² to the read-noise variance.
    assert intercept == pytest.approx(binning**2 * (gain * read_noise) ** 2 + 1 / 12, rel=0.10)


def test_flat_field_mean_is_offset_plus_gain_times_electrons():
    camera = Camera(gain=2.0, read_noise_e=1.5, offset_adu=100.0)
    image = image_specimen(
        np.full((64, 64), 0.5),
        Optics(1.2, 600, 80),
        photons=300,
        background=20,
        camera=camera,
        seed=1,
    ).image
    assert image.dtype == np.uint16
    assert image.mean() == pytest.approx(100 + 2.0 * (0.5 * 300 + 20), rel=0.01)
    np.testing.assert_allclose(camera.to_electrons(image).mean(), 170, rtol=0.01)


def test_binning_sums_blocks_and_adds_the_offset_once():
    camera = Camera(gain=1.0, read_noise_e=0.0, offset_adu=100.0, binning=2, quantise=False)
    binned = camera.record(np.full((3, 8, 6), 1e6), np.random.default_rng(0))
    assert binned.shape == (3, 4, 3) and binned.dtype == np.float32
    assert binned.mean() == pytest.approx(4e6 + 100, rel=1e-3)
    with pytest.raises(ValueError, match="divisible by 2"):
        camera.record(np.ones((7, 8)), np.random.default_rng(0))


def test_quantised_images_are_clipped_to_uint16():
    camera = Camera(gain=10.0, read_noise_e=0.0, offset_adu=0.0)
    image = camera.record(np.array([[0.0, 1e5]]), np.random.default_rng(0))
    assert image.dtype == np.uint16 and image[0, 0] == 0 and image[0, 1] == 65535


@pytest.mark.parametrize(
    "settings, message",
    [
        (dict(gain=0.0), "gain must be a finite number positive"),
        (dict(read_noise_e=-1.0), "read_noise_e"),
        (dict(offset_adu=float("nan")), "offset_adu"),
        (dict(binning=1.5), "binning must be a whole number"),
        (dict(offset_adu=70000.0), "no room in uint16"),
    ],
)
def test_bad_camera_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        Camera(**settings)
