"""FRC and decorrelation resolution on images whose band limit is known."""
import numpy as np
import pytest

from napari_inverse.metrics import (
    decorrelation_analysis,
    frc_curve,
    frc_resolution,
    half_bit_threshold,
)
from napari_inverse.metrics._fourier import radial_frequency

N = 256


def band_limited(transfer, seed=0):
    """White noise filtered by ``transfer`` (a function of |k| in cycles/px), unit std."""
    rng = np.random.default_rng(seed)
    spectrum = np.fft.fft2(rng.standard_normal((N, N))) * transfer(radial_frequency((N, N)))
    scene = np.real(np.fft.ifft2(spectrum))
    return scene / scene.std()


def airy_blurred(na, wavelength_nm, pixel_nm, noise, seed=0):
    """White noise imaged through a circular pupil (incoherent OTF, cut-off 2NA/λ), plus noise."""
    cutoff = 2 * na / wavelength_nm * pixel_nm

    def otf(frequency):
        rho = np.minimum(frequency / cutoff, 1.0)
        return 2 / np.pi * (np.arccos(rho) - rho * np.sqrt(1 - rho**2))

    scene = band_limited(otf, seed)
    return scene + noise * np.random.default_rng(seed + 1).standard_normal(scene.shape)


@pytest.mark.parametrize("cutoff", [0.125, 0.2, 0.3])
@pytest.mark.parametrize("threshold", ["1/7", "half-bit"])
def test_frc_of_two_noisy_copies_reports_the_band_limit(cutoff, threshold):
    scene = band_limited(lambda k: k <= cutoff)
    rng = np.random.default_rng(7)
    first, second = (scene + 0.7 * rng.standard_normal(scene.shape) for _ in range(2))
    resolution = frc_resolution(first, second, pixel_size_nm=20.0, threshold=threshold)
    assert resolution == pytest.approx(20.0 / cutoff, rel=0.10)


def test_frc_curve_of_an_image_with_itself_is_one_and_rings_cover_the_disc():
    scene = band_limited(lambda k: k <= 0.25)[:, :200]  # rectangular and not periodic
    curve = frc_curve(scene, scene)
    assert np.allclose(curve.correlation[1:], 1.0)
    assert curve.frequency[-1] == 0.5 and curve.frequency[1] == pytest.approx(1 / N)
    assert frc_resolution(scene, scene, pixel_size_nm=10.0) == 20.0  # never crosses: Nyquist bound


def test_half_bit_threshold_limits():
    assert half_bit_threshold(1) == pytest.approx(1.0, abs=1e-4)
    assert half_bit_threshold(1e12) == pytest.approx(0.2071 / 1.2071, abs=1e-5)


def test_frc_refuses_bad_input():
    image = np.zeros((32, 32))
    with pytest.raises(ValueError, match="2-D"):
        frc_resolution(np.zeros((4, 32, 32)), np.zeros((4, 32, 32)), 10.0)
    with pytest.raises(ValueError, match="threshold"):
        frc_resolution(image, image, 10.0, threshold="1/2")
    with pytest.raises(ValueError, match="pixel_size_nm"):
        frc_resolution(image, image, 0.0)


def test_decorrelation_finds_a_sharp_band_limit():
    noise = 0.1 * np.random.default_rng(3).standard_normal((N, N))
    image = band_limited(lambda k: k <= 0.2) + noise
    analysis = decorrelation_analysis(image, pixel_size_nm=20.0)
    assert analysis.resolution_nm == pytest.approx(100.0, rel=0.05)
    assert 0.5 < analysis.amplitude < 1


def test_decorrelation_of_airy_blur_is_near_abbe_and_grows_with_blur():
    wavelength, pixel = 520.0, 40.0
    resolutions = []
    for na in (1.4, 1.0, 0.7):
        image = airy_blurred(na, wavelength, pixel, noise=0.2)
        resolutions.append(decorrelation_analysis(image, pixel).resolution_nm)
    assert resolutions[0] == pytest.approx(wavelength / (2 * 1.4), rel=0.15)
    assert resolutions[0] < resolutions[1] < resolutions[2]


def test_decorrelation_refuses_bad_input():
    with pytest.raises(ValueError, match="constant"):
        decorrelation_analysis(np.ones((64, 64)), 10.0)
    with pytest.raises(ValueError, match="too small"):
        decorrelation_analysis(np.eye(40), 10.0)
    with pytest.raises(ValueError, match="2-D"):
        decorrelation_analysis(np.zeros((2, 64, 64)), 10.0)
