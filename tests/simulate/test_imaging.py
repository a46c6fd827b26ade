"""The forward model: PSF widths seen in simulated bead images against the psf package, units,
parameter ranges, the super-resolution target and the legacy widefield pair."""

import numpy as np
import pytest

from napari_inverse import Optics
from napari_inverse.simulate import filaments, simulate_widefield
from napari_inverse.simulate.camera import Camera
from napari_inverse.simulate.imaging import image_specimen, super_resolution_target


def fwhm(profile: np.ndarray, step: float) -> float:
    """Full width at half maximum of a profile that starts at its peak (linear interpolation)."""
    half = profile[0] / 2
    i = int(np.argmax(profile < half))
    return 2 * step * ((i - 1) + (profile[i - 1] - half) / (profile[i - 1] - profile[i]))


def bead_image(optics: Optics, shape, psf_kind="widefield") -> np.ndarray:
    """Noise-free image of one sub-resolution bead (a single bright voxel) in the field's centre."""
    bead = np.zeros(shape, np.float32)
    bead[tuple(s // 2 for s in shape)] = 1.0
    return image_specimen(bead, optics, psf_kind, photons=1e4, background=0.0, camera=None).image


def psf_package_profile(axis: str, na: float, n: float, wavelength: float = 520) -> tuple:
    import psf

    shape, dims = ((256, 2), (6.0, 0.01)) if axis == "z" else ((2, 256), (0.01, 3.0))
    data = psf.PSF(
        psf.ISOTROPIC | psf.EMISSION,
        shape=shape,
        dims=dims,
        em_wavelen=wavelength,
        num_aperture=na,
        refr_index=n,
    ).data
    return (data[:, 0] if axis == "z" else data[0]), 1000 * max(dims) / 255


@pytest.mark.parametrize("na, n", [(1.4, 1.518), (0.8, 1.33)])
def test_axial_fwhm_of_a_simulated_bead_matches_the_psf_package(na, n):
    optics = Optics(na, 520, 40, refractive_index=n, z_step_nm=60 if na > 1 else 120)
    stack = bead_image(optics, (41, 15, 15))
    reference, step = psf_package_profile("z", na, n)
    ours = fwhm(stack[20:, 7, 7], optics.z_step_nm)
    assert ours == pytest.approx(fwhm(reference, step), rel=0.03)


@pytest.mark.parametrize("n", [1.33, 1.518])
def test_lateral_fwhm_of_a_simulated_bead_matches_the_psf_package_at_low_na(n):
    image = bead_image(Optics(0.8, 520, 10, refractive_index=n), (101, 101))
    reference, step = psf_package_profile("r", 0.8, n)
    assert fwhm(image[50, 50:], 10) == pytest.approx(fwhm(reference, step), rel=0.03)


def test_super_resolution_target_is_twice_as_sharp_and_noise_free():
    optics = Optics(1.4, 520, 10)
    wide = bead_image(optics, (81, 81))
    bead = np.zeros((81, 81), np.float32)
    bead[40, 40] = 1
    target = super_resolution_target(bead, optics, photons=1e4, background=0.0)
    assert fwhm(target.image[40, 40:], 10) == pytest.approx(0.5 * fwhm(wide[40, 40:], 10), rel=0.03)
    again = super_resolution_target(bead, optics, photons=1e4, background=0.0, seed=5)
    np.testing.assert_array_equal(target.image, again.image)
    assert target.metadata["psf_kind"] == "sim" and target.metadata["units"]["image"] == "e-"


def test_confocal_bead_is_narrower_than_widefield():
    optics = Optics(1.4, 520, 20)
    wide, confocal = (
        bead_image(optics, (41, 41), kind)[20, 20:] for kind in ("widefield", "confocal")
    )
    assert fwhm(confocal, 20) < 0.97 * fwhm(wide, 20)


@pytest.mark.parametrize("na", [0.8, 1.49])
@pytest.mark.parametrize("wavelength", [450, 650])
@pytest.mark.parametrize("kind", ["widefield", "confocal", "sim"])
def test_parameter_ranges_conserve_light(na, wavelength, kind):
    optics = Optics(na, wavelength, 50, z_step_nm=200)
    specimen = filaments((8, 48, 48), 50, n_filaments=3, z_step_nm=200, seed=0)
    pair = image_specimen(specimen, optics, kind, photons=100, background=5, camera=None)
    assert pair.image.shape == pair.truth.shape == specimen.shape
    assert pair.psf.ndim == 3 and all(p <= s for p, s in zip(pair.psf.shape, specimen.shape))
    # Mirror padding returns the light that leaves the field, so the flux is kept.
    assert pair.image.sum() == pytest.approx(pair.truth.sum(), rel=0.02)


def test_camera_image_units_and_metadata():
    specimen = filaments((64, 64), 65, seed=0)
    pair = image_specimen(
        specimen,
        Optics(1.4, 520, 65),
        "confocal",
        photons=500,
        camera=Camera(binning=2),
        seed=3,
        pinhole_au=0.5,
    )
    assert pair.image.shape == (32, 32) and pair.image.dtype == np.uint16
    assert pair.truth.shape == (64, 64) and pair.truth.max() == pytest.approx(510)
    assert pair.metadata["units"] == {"image": "ADU", "truth": "e-"}
    assert pair.metadata["camera"]["binning"] == 2 and pair.metadata["pinhole_au"] == 0.5


def test_simulate_widefield_is_the_forward_model_with_an_ideal_camera():
    specimen, optics = filaments((64, 64), 65, seed=1), Optics(1.4, 520, 65)
    pair = simulate_widefield(specimen, optics, photons=300, background=10, read_noise=1.5, seed=4)
    expected = image_specimen(specimen, optics, photons=300, background=10, camera=None).image
    rng = np.random.default_rng(4)
    by_hand = rng.poisson(expected).astype(np.float32) + rng.normal(0, 1.5, expected.shape)
    np.testing.assert_allclose(pair.image, by_hand, rtol=1e-6)
    np.testing.assert_array_equal(pair.truth, 300 * specimen + 10)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: image_specimen(np.ones((4, 4, 4, 4)), Optics(1.4, 520, 65)), "2-D .* or 3-D"),
        (lambda: image_specimen(np.ones((8, 32, 32)), Optics(1.4, 520, 65)), "z_step_nm"),
        (lambda: image_specimen(-np.ones((32, 32)), Optics(1.4, 520, 65)), "≥ 0 everywhere"),
        (lambda: image_specimen(np.ones((32, 32)), Optics(1.4, 520, 65), "sted"), "choose one of"),
        (lambda: image_specimen(np.ones((32, 32)), Optics(1.4, 520, 65), photons=-1), "photons"),
        (
            lambda: image_specimen(np.ones((32, 32)), Optics(1.4, 520, 65), background=-1),
            "background",
        ),
        (
            lambda: image_specimen(
                np.ones((32, 32)), Optics(1.4, 520, 65), "confocal", pinhole_au=-1
            ),
            "pinhole_au",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()
