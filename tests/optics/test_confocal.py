"""Confocal PSF: the pinhole interpolates between h_ex·h_em (closed) and h_ex (wide open)."""

import numpy as np
import pytest

from napari_inverse import Optics
from napari_inverse.optics import widefield_psf
from napari_inverse.optics.confocal import confocal_psf


def fwhm(profile: np.ndarray, step: float) -> float:
    half = profile[0] / 2
    i = int(np.argmax(profile < half))
    return 2 * step * ((i - 1) + (profile[i - 1] - half) / (profile[i - 1] - profile[i]))


def lateral_fwhm(psf: np.ndarray, step: float) -> float:
    c = psf.shape[-1] // 2
    return fwhm(psf[..., c, c:] if psf.ndim == 2 else psf[psf.shape[0] // 2, c, c:], step)


OPTICS = Optics(1.4, 520, 10)


def test_closed_pinhole_squares_the_psf():
    """Airy² is 0.72× as wide as Airy (h_ex = h_em when the Stokes shift is neglected)."""
    ratio = lateral_fwhm(confocal_psf(OPTICS, pinhole_au=0), 10) / lateral_fwhm(
        widefield_psf(OPTICS), 10
    )
    assert ratio == pytest.approx(0.72, abs=0.02)


def test_open_pinhole_tends_to_the_excitation_psf_and_width_grows_with_it():
    widths = [lateral_fwhm(confocal_psf(OPTICS, pinhole_au=au), 10) for au in (0, 0.5, 1, 2, 10)]
    assert widths == sorted(widths)
    excitation = widefield_psf(Optics(1.4, 488, 10))
    open_wide = confocal_psf(OPTICS, pinhole_au=10, excitation_nm=488)
    assert lateral_fwhm(open_wide, 10) == pytest.approx(lateral_fwhm(excitation, 10), rel=0.02)


def test_confocal_sections_optically_and_widefield_does_not():
    """Light per plane (a thin fluorescent sheet's signal) drops with defocus only confocally."""
    optics = Optics(1.4, 520, 100, z_step_nm=400)
    shape = (5, 61, 61)  # ±0.8 µm of defocus, ±3 µm laterally to hold the defocused widefield cone
    confocal = confocal_psf(optics, shape, 3, pinhole_au=1).sum(axis=(1, 2))
    widefield = widefield_psf(optics, shape, 3).sum(axis=(1, 2))
    assert confocal[0] < 0.2 * confocal[2]
    assert widefield[0] > 0.95 * widefield[2]


def test_confocal_psf_is_normalised_centred_and_checks_its_input():
    for psf in (
        confocal_psf(Optics(1.2, 600, 80)),
        confocal_psf(Optics(1.2, 600, 80, z_step_nm=300), ndim=3),
    ):
        assert psf.sum() == pytest.approx(1.0, rel=1e-5)
        assert np.unravel_index(psf.argmax(), psf.shape) == tuple(s // 2 for s in psf.shape)
        np.testing.assert_allclose(psf, psf[..., ::-1], atol=1e-7)
    with pytest.raises(ValueError, match="pinhole_au"):
        confocal_psf(OPTICS, pinhole_au=float("nan"))
    with pytest.raises(ValueError, match=r"excitation_nm=0.488 .*≥ 150 and ≤ 2000.*nanometres"):
        confocal_psf(OPTICS, excitation_nm=0.488)
