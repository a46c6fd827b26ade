"""The retrieve_phase verb: each method on a simulated stack, the time loop, the RGB mode, and
one test per refused input."""
import numpy as np
import pytest

import napari_inverse
from napari_inverse import CancelToken, Cancelled, ChromaticFocus, InvalidInput, Optics
from napari_inverse.metrics import phase_rmse
from napari_inverse.simulate import cell_phase, chromatic_rgb, defocus_stack

PIXEL, WAVELENGTH = 210.0, 550.0
OPTICS = Optics(na=0.4, wavelength_nm=WAVELENGTH, pixel_size_nm=PIXEL, refractive_index=1.0,
                z_step_nm=1000.0)
SHIFTS = ChromaticFocus(wavelengths_nm=(610.0, 540.0, 460.0),
                        focal_shifts_nm=(1000.0, 0.0, -1000.0))


def cells(seed, shape=(64, 64), height=1.0):
    return cell_phase(shape, PIXEL, n_cells=2, cell_diameter_nm=5000, max_phase_rad=height,
                      seed=seed)


def planes(phase, dz=(-1000.0, 0.0, 1000.0)):
    return defocus_stack(phase, wavelength_nm=WAVELENGTH, pixel_size_nm=PIXEL, dz_nm=dz,
                         na=0.4, photons=None).intensity


@pytest.mark.parametrize("method", ["tie", "teague", "wotf"])
def test_each_method_recovers_the_phase_of_cells(method):
    phase = cells(1)
    stack = planes(phase)
    kept = stack.copy()
    result = napari_inverse.retrieve_phase(stack, method, optics=OPTICS, regularization=1e-7)
    assert result.image.shape == (64, 64) and result.image.dtype == np.float32
    assert abs(result.image.mean()) < 1e-5
    assert phase_rmse(phase, result.image) < 0.1 * phase.std()  # measured 4 %
    np.testing.assert_allclose(result.extras["optical_path_nm"],
                               result.image * WAVELENGTH / (2 * np.pi), rtol=1e-6)
    assert result.metadata["units"] == "rad" and result.metadata["dz_nm"] == [-1000, 0, 1000]
    np.testing.assert_array_equal(stack, kept)


def test_a_time_lapse_is_looped_frame_by_frame_and_dz_nm_overrides_the_step():
    dz = [-1200.0, 0.0, 900.0]
    frames = [planes(cells(seed), dz) for seed in (2, 3)]
    together = napari_inverse.retrieve_phase(np.stack(frames), "tie", axes="TZYX", optics=OPTICS,
                                             dz_nm=dz)
    assert together.image.shape == (2, 64, 64) and together.metadata["result_axes"] == "TYX"
    for frame, phase in zip(frames, together.image):
        alone = napari_inverse.retrieve_phase(frame, "tie", optics=OPTICS, dz_nm=dz)
        np.testing.assert_allclose(phase, alone.image, atol=1e-6)


@pytest.mark.parametrize("axes", ["YXC", "YXS"])
def test_one_rgb_exposure_gives_the_phase_at_the_stated_wavelength(axes):
    phase = cells(4, height=0.5)
    rgb = chromatic_rgb(phase, pixel_size_nm=PIXEL, centre_wavelengths_nm=SHIFTS.wavelengths_nm,
                        focal_shifts_nm=SHIFTS.focal_shifts_nm, n_spectral=3, na=0.4).rgb
    optics = Optics(na=0.4, wavelength_nm=540.0, pixel_size_nm=PIXEL, refractive_index=1.0)
    result = napari_inverse.retrieve_phase(rgb, "wotf", axes=axes, optics=optics,
                                           chromatic=SHIFTS, regularization=1e-7)
    assert phase_rmse(phase, result.image) < 0.15 * phase.std()
    assert result.metadata["plane_wavelengths_nm"] == [610.0, 540.0, 460.0]


def test_a_list_of_planes_is_a_stack():
    stack = planes(cells(5))
    listed = napari_inverse.retrieve_phase(list(stack), "tie", optics=OPTICS)
    np.testing.assert_array_equal(listed.image,
                                  napari_inverse.retrieve_phase(stack, "tie", optics=OPTICS).image)


STACK = np.ones((3, 32, 32), dtype=np.float32)


@pytest.mark.parametrize("arguments, message", [
    (dict(stack=STACK[:1]), "at least two planes"),
    (dict(stack=[STACK[0], STACK[1, :, :30]]), "different shapes"),
    (dict(stack=STACK, optics=Optics(na=0.4, wavelength_nm=550, pixel_size_nm=200)),
     "distance between planes is missing"),
    (dict(stack=STACK, optics=None), "needs the wavelength"),
    (dict(stack=np.where(np.arange(32) == 3, np.nan, STACK)), "NaN"),
    (dict(stack=np.ones((32, 32, 3)), axes="YXC"), "wavelength and focal shift"),
    (dict(stack=STACK, condenser_na=0.3), "method='wotf' only"),
    (dict(stack=STACK, dz_nm=[0.0, 500.0]), "one finite defocus"),
    (dict(stack=STACK, chromatic=SHIFTS), "one RGB exposure"),
    (dict(stack=np.ones((2, 32, 32, 3)), axes="ZYXS"), "not both"),
])
def test_bad_input_is_refused_with_a_message(arguments, message):
    arguments = {"optics": OPTICS, **arguments}
    with pytest.raises(InvalidInput, match=message):
        napari_inverse.retrieve_phase(**arguments)


def test_equal_focal_shifts_are_refused():
    with pytest.raises(InvalidInput, match="all equal"):
        ChromaticFocus(wavelengths_nm=(610, 540, 460), focal_shifts_nm=(0, 0, 0))


def test_a_set_cancel_token_stops_the_job_and_progress_reaches_the_end():
    token, seen = CancelToken(), []
    stack = np.stack([planes(cells(6))] * 2)
    result = napari_inverse.retrieve_phase(stack, "teague", axes="TZYX", optics=OPTICS,
                                           progress=lambda d, t, m: seen.append((d, t)))
    assert seen[-1] == (2, 2) and result.image.shape == (2, 64, 64)
    token.set()
    with pytest.raises(Cancelled):
        napari_inverse.retrieve_phase(stack, "wotf", axes="TZYX", optics=OPTICS, cancel=token)
