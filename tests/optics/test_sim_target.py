"""SIM-like target PSF: OTF support and width twice the widefield's."""

import numpy as np
import pytest

from napari_inverse import Optics
from napari_inverse.optics import psf_shape, widefield_psf
from napari_inverse.optics.sim_target import sim_target_psf


def otf_reach(psf: np.ndarray, pixel_nm: float, floor: float = 3e-3) -> float:
    """Highest spatial frequency (cycles/nm) where the radially averaged |OTF| exceeds ``floor``."""
    size = 512
    padded = np.zeros((size, size))
    padded[: psf.shape[0], : psf.shape[1]] = psf
    otf = np.abs(np.fft.fft2(padded))
    f = np.fft.fftfreq(size, pixel_nm)
    radius = np.hypot(f[:, None], f[None, :])
    bins = np.round(radius / f[1]).astype(int)
    profile = np.bincount(bins.ravel(), otf.ravel()) / np.bincount(bins.ravel())
    return float(np.nonzero(profile > floor)[0].max() * f[1])


@pytest.mark.parametrize("na, wavelength", [(1.4, 520), (0.8, 600)])
def test_sim_target_reaches_twice_the_widefield_cutoff(na, wavelength):
    optics = Optics(na, wavelength, 20)
    cutoff = 2 * na / wavelength
    wide, sim = otf_reach(widefield_psf(optics), 20), otf_reach(sim_target_psf(optics), 20)
    assert wide == pytest.approx(cutoff, rel=0.07)
    assert sim / wide == pytest.approx(2.0, rel=0.03)


def test_sim_target_is_normalised_and_3d_capable():
    optics = Optics(1.4, 520, 40, z_step_nm=200)
    psf = sim_target_psf(optics, ndim=3)
    assert psf.ndim == 3 and psf.sum() == pytest.approx(1.0, rel=1e-5)
    assert psf.shape[0] < psf_shape(optics, 3)[0]  # half as long axially as the widefield PSF
