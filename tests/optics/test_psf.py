"""PSFs against theory (the Airy zero) and against two independent packages (psf, pyotf)."""
import numpy as np
import pytest

from napari_inverse import Optics
from napari_inverse.optics import (gaussian_psf, psf_for_image, widefield_psf,
                                   widefield_radial_profile)


def fwhm(profile: np.ndarray, step: float) -> float:
    """Full width at half maximum of a profile that starts at its peak (linear interpolation)."""
    half = profile[0] / 2
    i = int(np.argmax(profile < half))
    return 2 * step * ((i - 1) + (profile[i - 1] - half) / (profile[i - 1] - profile[i]))


@pytest.mark.parametrize("na, wavelength", [(1.4, 520), (0.8, 600), (0.3, 450)])
def test_born_wolf_first_zero_is_rayleigh_radius(na, wavelength):
    optics = Optics(na=na, wavelength_nm=wavelength, pixel_size_nm=10, refractive_index=1.518)
    rayleigh = 0.61 * wavelength / na
    r = np.linspace(0.5 * rayleigh, 1.3 * rayleigh, 4001)
    first_zero = r[np.argmin(widefield_radial_profile(optics, r, 0.0, "born_wolf"))]
    assert abs(first_zero - rayleigh) / rayleigh < 0.02


def test_richards_wolf_lateral_fwhm_matches_pyotf_vectorial():
    from pyotf import otf
    reference = otf.HanserPSF(
        wl=0.52, na=1.4, ni=1.518, res=0.01, size=512, zrange=[0.0], vec_corr="total"
    ).PSFi[0, 256, 256:]
    ours = widefield_radial_profile(Optics(1.4, 520, 10), np.arange(0, 1000, 10.0))
    assert fwhm(ours, 10) == pytest.approx(fwhm(reference / reference[0], 10), rel=0.02)


@pytest.mark.parametrize("na, n", [(1.4, 1.518), (0.8, 1.0)])
def test_richards_wolf_axial_fwhm_matches_psf_package(na, n):
    import psf
    reference = psf.PSF(
        psf.ISOTROPIC | psf.EMISSION, shape=(256, 2), dims=(6.0, 0.01),
        em_wavelen=520, num_aperture=na, refr_index=n,
    ).data[:, 0]
    optics = Optics(na, 520, 10, refractive_index=n)
    z = np.linspace(0, 6000, 256)
    ours = np.array([widefield_radial_profile(optics, np.zeros(1), zz)[0] for zz in z])
    assert fwhm(ours, z[1]) == pytest.approx(fwhm(reference, z[1]), rel=0.03)


def test_born_wolf_agrees_with_psf_package_at_low_na():
    import psf
    reference = psf.PSF(
        psf.ISOTROPIC | psf.EMISSION, shape=(2, 256), dims=(0.01, 3.0),
        em_wavelen=520, num_aperture=0.3, refr_index=1.0,
    ).data[0]
    optics = Optics(0.3, 520, 10, refractive_index=1.0)
    r = np.linspace(0, 3000, 256)
    ours = widefield_radial_profile(optics, r, 0.0, "born_wolf")
    assert fwhm(ours, r[1]) == pytest.approx(fwhm(reference, r[1]), rel=0.03)


def test_sampled_psfs_are_normalised_centred_and_symmetric():
    optics = Optics(1.2, 520, 80, refractive_index=1.33, z_step_nm=250)
    for psf in (widefield_psf(optics), widefield_psf(optics, ndim=3), gaussian_psf(optics, ndim=3)):
        assert psf.sum() == pytest.approx(1.0, rel=1e-5)
        assert np.unravel_index(psf.argmax(), psf.shape) == tuple(s // 2 for s in psf.shape)
        np.testing.assert_allclose(psf, psf[..., ::-1], atol=1e-7)
        np.testing.assert_allclose(psf, np.swapaxes(psf, -1, -2), atol=1e-7)


def test_gaussian_psf_matches_widefield_width():
    optics = Optics(1.4, 520, 20)
    wf, ga = widefield_psf(optics, (41, 41)), gaussian_psf(optics, (41, 41))
    assert fwhm(ga[20, 20:], 20) == pytest.approx(fwhm(wf[20, 20:], 20), rel=0.15)


def test_psf_for_image_is_cut_laterally_keeps_its_axial_reach_and_needs_z_step():
    optics = Optics(1.4, 520, 65, z_step_nm=200)
    assert psf_for_image(optics, (9, 20, 15)).shape == (27, 19, 15)
    with pytest.raises(ValueError, match="z_step_nm"):
        psf_for_image(Optics(1.4, 520, 65), (9, 64, 64))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(na=1.6, wavelength_nm=520, pixel_size_nm=65), "below the immersion"),
        (dict(na=1.4, wavelength_nm=0.52, pixel_size_nm=65), "nanometres"),
        (dict(na=1.4, wavelength_nm=520, pixel_size_nm=0.065), "nanometres"),
        (dict(na=-1, wavelength_nm=520, pixel_size_nm=65), "positive"),
    ],
)
def test_optics_refuses_impossible_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Optics(**kwargs)
