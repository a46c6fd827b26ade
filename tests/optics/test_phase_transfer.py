"""Weak-object transfer functions against their closed forms: the coherent limit and the TIE."""
import numpy as np
import pytest
from scipy.integrate import quad

from napari_inverse.optics.phase_transfer import (
    weak_object_transfer, weak_object_transfer_radial,
)

WAVELENGTH, N_MEDIUM, NA = 550.0, 1.33, 0.9


def test_a_point_source_gives_the_coherent_sine_and_cosine_inside_the_pupil():
    f = np.linspace(0, 1.2 * NA / WAVELENGTH, 200)
    dz = np.array([-800.0, 1500.0])
    h_a, h_phi = weak_object_transfer_radial(f, dz, WAVELENGTH, NA, None, N_MEDIUM)
    k = N_MEDIUM / WAVELENGTH
    delay = 2 * np.pi * dz[:, None] * (k - np.sqrt(k**2 - f**2))
    inside = f < NA / WAVELENGTH
    np.testing.assert_allclose(h_phi[:, inside], 2 * np.sin(delay[:, inside]), atol=1e-12)
    np.testing.assert_allclose(h_a[:, inside], -2 * np.cos(delay[:, inside]), atol=1e-12)
    assert np.all(h_phi[:, ~inside] == 0) and np.all(h_a[:, ~inside] == 0)


@pytest.mark.parametrize("condenser_na", [None, 0.3, 0.6])
def test_low_frequencies_at_small_defocus_follow_the_tie_with_obliquity(condenser_na):
    # Paraxially H_φ = 2πλz|f|²/n for any condenser; a source point tilted by θ adds the
    # obliquity 1/cos θ + sin²θ·cos²ϕ/cos³θ, averaged here over the disc by a radial integral.
    f, dz = np.array([2e-5, 5e-5]), 100.0
    _, h_phi = weak_object_transfer_radial(f, [dz], WAVELENGTH, NA, condenser_na, N_MEDIUM)
    sine = (condenser_na or 0.0) / N_MEDIUM
    obliquity = 1.0 if not sine else quad(
        lambda r: (1 / np.sqrt(1 - r * r) + r * r / (2 * (1 - r * r) ** 1.5)) * 2 * r / sine**2,
        0, sine)[0]
    tie = 2 * np.pi * WAVELENGTH * dz * f**2 / N_MEDIUM
    np.testing.assert_allclose(h_phi[0], tie * obliquity, rtol=0.005)


def test_an_open_condenser_lowers_the_phase_contrast_at_mid_frequencies():
    f = np.array([0.4, 0.8]) * NA / WAVELENGTH
    contrast = [np.abs(weak_object_transfer_radial(f, [1000.0], WAVELENGTH, NA, c,
                                                   N_MEDIUM)[1][0]) for c in (None, 0.7)]
    assert np.all(contrast[1] < 0.7 * contrast[0])


def test_the_grid_version_interpolates_the_radial_profile():
    shape, pixel = (64, 48), 150.0
    h_a, h_phi = weak_object_transfer(shape, pixel, [700.0], WAVELENGTH, NA, 0.4, N_MEDIUM)
    fy = np.fft.fftfreq(64, pixel)[:, None]
    fx = np.fft.fftfreq(48, pixel)[None, :]
    radius = np.hypot(fy, fx)
    _, exact = weak_object_transfer_radial(radius.ravel(), [700.0], WAVELENGTH, NA, 0.4, N_MEDIUM)
    away_from_cut = np.abs(radius - NA / WAVELENGTH).ravel() > 2e-5
    np.testing.assert_allclose(h_phi[0].numpy().ravel()[away_from_cut], exact[0][away_from_cut],
                               atol=0.01)
    assert h_a.shape == h_phi.shape == (1, 64, 48)



@pytest.mark.parametrize("condenser_na, source_points", [
    (None, 1), pytest.param(0.4, 600, marks=pytest.mark.slow)])
def test_the_simulators_weak_gratings_are_transferred_as_the_wotf_says(
        condenser_na, source_points, monkeypatch):
    # An independent reference: the Köhler simulator (Abbe's sum over grid-aligned source points,
    # angular-spectrum defocus) images faint phase and absorption gratings; each plane's contrast
    # at the grating's frequency divided by the grating's amplitude is H_φ (or H_A) there. Its
    # default 61 source points miss H_φ by up to 15 % at mid frequencies; 600 by ≤ 2 %.
    from napari_inverse.simulate import defocus_stack, phase

    monkeypatch.setattr(phase, "MAX_SOURCE_POINTS", source_points)
    n, pixel, wavelength, na, dz = 64, 210.0, 550.0, 0.5, [-1000.0, 600.0]
    periods = np.array([2, 8, 11, 15, 19] if condenser_na is None else [5, 11])
    x = np.arange(n) + 0.5  # half-sample phase: the simulator's mirror padding continues it
    f = periods / (2 * n * pixel)
    h_a, h_phi = weak_object_transfer_radial(f, dz, wavelength, na, condenser_na)
    for k, period in enumerate(periods):
        row = np.broadcast_to(np.cos(np.pi * period * x / n), (n, n))
        for phase_rad, amplitude, want in ((1e-3 * row, None, h_phi),
                                           (0 * row, 1 - 1e-3 * row, h_a)):
            planes = defocus_stack(phase_rad, amplitude, wavelength, pixel, dz, na,
                                   condenser_na=condenser_na).intensity
            contrast = ((planes - 1) * row).mean((-2, -1)) / (row**2).mean() / 1e-3
            np.testing.assert_allclose(contrast, want[:, k], atol=0.015 if condenser_na else 1e-3)
