"""Angular-spectrum and Fresnel propagation against physics: Parseval, reversibility, Gaussian
beams, the paraxial limit and the transport-of-intensity equation."""
import numpy as np
import pytest
import torch

from napari_inverse.optics import propagate, propagate_array, transfer_function

PIXEL, WAVELENGTH, N = 100.0, 500.0, 128


def grid(n=N, pixel=PIXEL):
    y, x = (np.mgrid[:n, :n] - n / 2) * pixel
    return y, x


def band_limited_field(na, seed=0):
    """A random complex field whose spectrum lies inside the pupil |f| ≤ NA/λ."""
    rng = np.random.default_rng(seed)
    field = rng.normal(size=(N, N)) + 1j * rng.normal(size=(N, N))
    return propagate_array(field, 0.0, WAVELENGTH, PIXEL, na=na)


def spectral_laplacian(image, pixel=PIXEL):
    f = np.fft.fftfreq(image.shape[-1], pixel)
    f2 = f[:, None] ** 2 + f[None, :] ** 2
    return np.real(np.fft.ifft2(np.fft.fft2(image) * (-4 * np.pi**2 * f2)))


@pytest.mark.parametrize("paraxial", [False, True])
def test_energy_is_conserved_for_a_band_limited_field(paraxial):
    field = band_limited_field(na=0.8)
    out = propagate_array(
        field, [-3000.0, 5000.0], WAVELENGTH, PIXEL, n_medium=1.33, paraxial=paraxial
    )
    energy = np.sum(np.abs(field) ** 2)
    assert np.sum(np.abs(out) ** 2, axis=(1, 2)) / energy == pytest.approx([1, 1], abs=1e-10)


def test_propagating_forward_then_back_returns_the_field():
    field = band_limited_field(na=0.9, seed=1)
    there = propagate_array(field, 4000.0, WAVELENGTH, PIXEL, n_medium=1.33, na=0.9)
    back = propagate_array(there, -4000.0, WAVELENGTH, PIXEL, n_medium=1.33, na=0.9)
    assert np.abs(back - field).max() / np.abs(field).max() < 1e-10


@pytest.mark.parametrize("n_medium", [1.0, 1.33])
def test_gaussian_beam_width_follows_w0_sqrt_1_plus_z_over_zr_squared(n_medium):
    y, x = grid(256)
    w0 = 2000.0
    z_rayleigh = np.pi * w0**2 * n_medium / WAVELENGTH
    beam = np.exp(-(x**2 + y**2) / w0**2)
    distances = [z_rayleigh, 2 * z_rayleigh]
    intensity = np.abs(propagate_array(beam, distances, WAVELENGTH, PIXEL, n_medium)) ** 2
    measured = 2 * np.sqrt((intensity * x**2).sum(axis=(1, 2)) / intensity.sum(axis=(1, 2)))
    expected = w0 * np.sqrt(1 + (np.array(distances) / z_rayleigh) ** 2)
    assert measured == pytest.approx(expected, rel=0.01)


def test_fresnel_agrees_with_angular_spectrum_for_a_paraxial_field():
    field = band_limited_field(na=0.1, seed=2)
    exact = propagate_array(field, 10000.0, WAVELENGTH, PIXEL, na=0.1)
    fresnel = propagate_array(field, 10000.0, WAVELENGTH, PIXEL, na=0.1, paraxial=True)
    assert np.linalg.norm(fresnel - exact) / np.linalg.norm(exact) < 5e-3
    # …and they do differ at high NA, where the paraxial phase error is large.
    wide = band_limited_field(na=0.9, seed=2)
    gap = propagate_array(wide, 10000.0, WAVELENGTH, PIXEL, paraxial=True) - propagate_array(
        wide, 10000.0, WAVELENGTH, PIXEL
    )
    assert np.linalg.norm(gap) / np.linalg.norm(wide) > 0.5


@pytest.mark.parametrize("n_medium", [1.0, 1.33])
def test_weak_phase_object_satisfies_the_transport_of_intensity_equation(n_medium):
    y, x = grid()
    phase = 0.2 * np.exp(-(x**2 + y**2) / (2 * 1500.0**2))
    dz = 200.0
    field = np.exp(1j * phase)
    planes = np.abs(propagate_array(field, [-dz, dz], WAVELENGTH, PIXEL, n_medium)) ** 2
    didz = (planes[1] - planes[0]) / (2 * dz)
    tie = -(WAVELENGTH / (2 * np.pi * n_medium)) * spectral_laplacian(phase)
    assert np.linalg.norm(didz - tie) / np.linalg.norm(tie) < 0.03
    assert didz[N // 2, N // 2] > 0  # a positive phase bump converges light beyond it


def test_pupil_removes_frequencies_beyond_na_over_lambda_and_evanescent_waves():
    h = transfer_function((64, 64), PIXEL, WAVELENGTH, 1000.0, n_medium=1.0, na=0.5).numpy()
    f = np.fft.fftfreq(64, PIXEL)
    radius = np.hypot(f[:, None], f[None, :])
    assert np.all(h[radius > 0.5 / WAVELENGTH] == 0)
    assert np.allclose(np.abs(h[radius <= 0.5 / WAVELENGTH]), 1)
    no_pupil = transfer_function((64, 64), PIXEL, WAVELENGTH, 1000.0).numpy()
    assert np.all(no_pupil[radius > 1 / WAVELENGTH] == 0)


def test_torch_batch_keeps_leading_axes_and_single_precision():
    field = torch.ones(2, 32, 32, dtype=torch.complex64)
    out = propagate(field, [0.0, 100.0, 200.0], WAVELENGTH, PIXEL)
    assert out.shape == (2, 3, 32, 32) and out.dtype == torch.complex64
    assert torch.allclose(out.abs(), torch.ones(()), atol=1e-5)  # a plane wave stays a plane wave


def test_bad_parameters_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="na=1.5"):
        transfer_function((8, 8), PIXEL, WAVELENGTH, 0.0, n_medium=1.33, na=1.5)
    with pytest.raises(ValueError, match="pixel_size_nm"):
        transfer_function((8, 8), 0.0, WAVELENGTH, 0.0)
