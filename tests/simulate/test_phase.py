"""Phase specimens and their brightfield images: TIE behaviour, the chromatic RGB model, noise and
seeded determinism."""
import numpy as np
import pytest

from napari_inverse.simulate import (
    cell_phase,
    chromatic_rgb,
    defocus_stack,
    load_cell_phase,
    phase_texture,
)

PIXEL = 210.0


def gaussian_bump(n=96, height=0.2, sigma_nm=1500.0):
    y, x = (np.mgrid[:n, :n] - n // 2) * PIXEL
    return height * np.exp(-(x**2 + y**2) / (2 * sigma_nm**2))


def test_cell_phase_peaks_at_max_phase_and_vanishes_at_the_borders():
    phase = cell_phase((128, 128), PIXEL, n_cells=2, cell_diameter_nm=8000, max_phase_rad=2.5,
                       seed=3)
    assert phase.dtype == np.float32 and phase.shape == (128, 128)
    assert phase.max() == pytest.approx(2.5, rel=1e-6) and phase.min() >= 0
    border = np.concatenate([phase[0], phase[-1], phase[:, 0], phase[:, -1]])
    assert np.abs(border).max() < 1e-3
    assert 0.1 < np.mean(phase > 0.05) < 0.5  # two 8 µm cells cover ~20 % of a 27 µm field
    np.testing.assert_array_equal(phase, cell_phase((128, 128), PIXEL, 2, 8000, 2.5, seed=3))
    assert not np.array_equal(phase, cell_phase((128, 128), PIXEL, 2, 8000, 2.5, seed=4))


def test_phase_texture_spans_zero_to_max_phase():
    texture = phase_texture((64, 64), PIXEL, correlation_nm=800, max_phase_rad=1.5, seed=1)
    assert texture.min() == pytest.approx(0, abs=1e-6)
    assert texture.max() == pytest.approx(1.5, rel=1e-6)


def test_skimage_cell_is_rescaled_to_radians_with_a_zero_background():
    phase, pixel_nm = load_cell_phase(max_phase_rad=3.0)
    assert pixel_nm == 107.0 and phase.shape == (660, 550)
    assert np.median(phase) == pytest.approx(0, abs=1e-6)
    assert phase.max() == pytest.approx(3.0, rel=1e-6)


def test_mirror_padding_keeps_the_real_cells_borders_free_of_wrap_around():
    phase, pixel_nm = load_cell_phase()
    plane = defocus_stack(phase, pixel_size_nm=pixel_nm, dz_nm=[1000.0], n_medium=1.33).intensity[0]
    border = np.concatenate([plane[:4].ravel(), plane[-4:].ravel(), plane[:, :4].ravel()])
    background = plane[20:80, 20:80]  # banding of the real data, no cell
    assert border.std() < 1.3 * background.std()  # a periodic FFT would give ~1.9×


def test_an_absorbing_specimen_in_focus_shows_its_transmission():
    amplitude = np.sqrt(1 - gaussian_bump(height=0.75, sigma_nm=1500.0))  # 25 % at the centre
    stack = defocus_stack(np.zeros((96, 96)), amplitude=amplitude, dz_nm=[0.0])
    assert np.abs(stack.intensity[0] - amplitude**2).max() < 1e-3
    assert stack.intensity[0][48, 48] == pytest.approx(0.25, abs=1e-3)


def test_defocus_stack_follows_the_tie_on_either_side_of_focus():
    phase = gaussian_bump()
    dz = 400.0
    stack = defocus_stack(phase, wavelength_nm=521, pixel_size_nm=PIXEL, dz_nm=[-dz, 0, dz],
                          n_medium=1.33)
    assert stack.intensity.shape == (3, 96, 96) and stack.intensity.dtype == np.float32
    assert stack.dz_nm.tolist() == [-dz, 0, dz]
    centre = stack.intensity[:, 48, 48] - 1
    # Weak-phase TIE at the bump's centre: ΔI = −dz·λ/(2πn)·∇²φ, with ∇²φ = −2·0.2/σ².
    expected = dz * 521 / (2 * np.pi * 1.33) * 2 * 0.2 / 1500.0**2
    assert centre[2] == pytest.approx(expected, rel=0.05)
    assert centre[0] == pytest.approx(-expected, rel=0.05)
    assert abs(centre[1]) < 0.02 * expected  # a pure phase object is invisible in focus


def test_zero_phase_gives_a_uniform_rgb_image_whatever_the_focal_shifts():
    image = chromatic_rgb(np.zeros((48, 48)), pixel_size_nm=PIXEL, n_spectral=3)
    assert image.rgb.shape == (48, 48, 3) and image.rgb.dtype == np.float32
    np.testing.assert_allclose(image.rgb, 1.0, atol=1e-6)


def test_without_chromatic_aberration_a_focused_phase_object_is_invisible_in_every_colour():
    image = chromatic_rgb(gaussian_bump(), pixel_size_nm=PIXEL, focal_shifts_nm=(0, 0, 0),
                          n_spectral=3)
    assert np.abs(image.rgb - 1).max() < 1e-6


def test_at_the_green_focus_red_and_blue_contrasts_have_opposite_signs():
    image = chromatic_rgb(gaussian_bump(), pixel_size_nm=PIXEL)  # shifts +1 µm, 0, −1 µm
    red, green, blue = (image.rgb[48, 48] - 1).tolist()
    assert red > 0 > blue
    assert red / blue == pytest.approx(-1.0, abs=0.1)  # equal shifts, equal contrast
    assert abs(green) < 0.03 * red  # only the band's spread of focus is left in green
    assert image.metadata["phase_wavelength_nm"] == 540.0


def test_contrast_scales_with_each_colours_focal_shift():
    # Monochromatic channels: ΔI_c = −shift_c·(λ_G/2πn)·∇²φ_G, since φ_c·λ_c = φ_G·λ_G.
    image = chromatic_rgb(gaussian_bump(), pixel_size_nm=PIXEL, focal_shifts_nm=(1500, 0, -500),
                          n_spectral=1)
    red, green, blue = (image.rgb[48, 48] - 1).tolist()
    assert red / blue == pytest.approx(-3.0, rel=0.05)
    expected_red = 1500 * 540 / (2 * np.pi) * 2 * 0.2 / 1500.0**2
    assert red == pytest.approx(expected_red, rel=0.05)
    assert abs(green) < 1e-6


def test_defocusing_the_stage_moves_every_colour_alike():
    image = chromatic_rgb(gaussian_bump(), pixel_size_nm=PIXEL, defocus_nm=-1000, n_spectral=1)
    red, green, blue = (image.rgb[48, 48] - 1).tolist()
    assert abs(red) < 0.01 * abs(blue) and green < 0
    assert blue / green == pytest.approx(2.0, rel=0.05)


def test_poisson_noise_has_the_expected_variance_and_is_seeded():
    clean = defocus_stack(np.zeros((64, 64)), dz_nm=[0.0])
    noisy = defocus_stack(np.zeros((64, 64)), dz_nm=[0.0], photons=400, seed=5)
    assert clean.intensity.std() == 0
    assert noisy.intensity.mean() == pytest.approx(1.0, abs=0.01)
    assert noisy.intensity.var() == pytest.approx(1 / 400, rel=0.1)
    again = defocus_stack(np.zeros((64, 64)), dz_nm=[0.0], photons=400, seed=5)
    np.testing.assert_array_equal(noisy.intensity, again.intensity)
    rgb = chromatic_rgb(np.zeros((32, 32)), photons=100, seed=1, n_spectral=1).rgb
    np.testing.assert_array_equal(rgb, chromatic_rgb(np.zeros((32, 32)), photons=100, seed=1,
                                                     n_spectral=1).rgb)


def test_bad_input_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="2-D"):
        defocus_stack(np.zeros((2, 8, 8)))
    with pytest.raises(ValueError, match="three"):
        chromatic_rgb(np.zeros((8, 8)), focal_shifts_nm=(0, 0))
    with pytest.raises(ValueError, match="photons"):
        defocus_stack(np.zeros((8, 8)), photons=0)
    with pytest.raises(ValueError, match="amplitude"):
        defocus_stack(np.zeros((8, 8)), amplitude=np.ones((4, 4)))


@pytest.mark.parametrize("condenser_na", [None, 0.3])
def test_koehler_images_of_a_weak_object_follow_the_weak_object_transfer(condenser_na):
    # Two independent discretisations: the simulator sums ~60 grid-aligned tilted plane waves,
    # optics.phase_transfer integrates ~800 source points analytically along one radius.
    from napari_inverse.optics.phase_transfer import weak_object_transfer

    pixel, wavelength, na, n = 150.0, 550.0, 0.8, 1.33
    phase = 0.01 * cell_phase((96, 96), pixel, n_cells=2, cell_diameter_nm=5000, seed=5)
    plane = defocus_stack(phase, wavelength_nm=wavelength, pixel_size_nm=pixel, dz_nm=[1000.0],
                          na=na, n_medium=n, condenser_na=condenser_na).intensity[0]
    _, h_phi = weak_object_transfer((96, 96), pixel, [1000.0], wavelength, na, condenser_na, n)
    predicted = np.fft.ifft2(h_phi[0].numpy() * np.fft.fft2(phase)).real
    assert np.sqrt(np.mean((plane - 1 - predicted) ** 2)) < 0.02 * (plane - 1).std()


def test_an_open_condenser_keeps_the_background_at_one_and_lowers_contrast():
    phase = cell_phase((48, 48), PIXEL, n_cells=1, cell_diameter_nm=4000, seed=1)
    planes = [defocus_stack(np.zeros((48, 48)) if blank else phase, wavelength_nm=550,
                            pixel_size_nm=PIXEL, dz_nm=[1000.0], na=0.5, n_medium=1.33,
                            condenser_na=c).intensity[0]
              for blank, c in ((True, 0.4), (False, None), (False, 0.4))]
    np.testing.assert_allclose(planes[0], 1.0, atol=1e-5)
    assert planes[2].std() < 0.8 * planes[1].std()
