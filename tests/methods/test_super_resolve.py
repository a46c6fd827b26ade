"""The super_resolve verb: CVDM's mean and calibrated uncertainty on a simulated pair with truth."""
from __future__ import annotations

import dataclasses
import importlib
import warnings

import numpy as np
import pytest

from napari_inverse import CancelToken, Cancelled, InvalidInput, Optics, super_resolve
from napari_inverse.methods.sampling import PixelSizeWarning
from napari_inverse.metrics import psnr
from napari_inverse.simulate import super_resolution_pair

verb_module = importlib.import_module("napari_inverse.methods.super_resolve")
FAST = {"samples": 4, "steps": 6, "seed": 3, "precision": "float32"}
# measured on this pair with FAST: CVDM +0.62 dB, ZMD +9.63 dB over the widefield input
CVDM_GAIN_DB, ZMD_GAIN_DB = 0.3, 6.0


@pytest.fixture(scope="module")
def pair():
    optics = Optics(na=1.2, wavelength_nm=560, pixel_size_nm=45, refractive_index=1.518)
    return super_resolution_pair(40_000_001, (96, 96), "microtubules", optics, photons=400)


@pytest.mark.parametrize("method", ["cvdm", "zmd"])
def test_mean_and_uncertainty_share_the_grid_in_the_images_units(pair, method):
    image = pair.input.copy()
    result = super_resolve(pair.input, method, return_samples=True, **FAST)
    np.testing.assert_array_equal(pair.input, image)
    assert result.image.shape == result.extras["uncertainty"].shape == pair.input.shape
    assert result.extras["samples"].shape == (4, *pair.input.shape)
    assert result.extras["schedule"].shape == pair.input.shape
    uncertainty = result.extras["uncertainty"]
    assert (uncertainty > 0).all()
    # the spread is in photo-electrons: far above normalised units, below the image's range
    assert 0.5 < np.median(uncertainty) < np.ptp(pair.input)
    if method == "cvdm":  # the sample mean; ZMD's samples scatter about its mean network's image
        np.testing.assert_allclose(result.image, result.extras["samples"].mean(0), rtol=1e-4,
                                   atol=1e-3 * np.ptp(pair.input))
    else:
        offset = np.abs(result.extras["samples"].mean(0) - result.image)
        assert np.median(offset) < np.median(uncertainty)
    assert result.metadata["uncertainty_calibration"]["factor"] > 0


@pytest.mark.parametrize("method, gain_db", [("cvdm", CVDM_GAIN_DB), ("zmd", ZMD_GAIN_DB)])
def test_the_mean_is_closer_to_the_truth_than_the_widefield_input(pair, method, gain_db):
    result = super_resolve(pair.input, method, optics=Optics(**pair.metadata["optics"]), **FAST)
    assert psnr(pair.target, result.image) > psnr(pair.target, pair.input) + gain_db


@pytest.mark.parametrize("method", ["cvdm", "zmd"])
def test_the_same_seed_gives_the_same_samples(pair, method):
    first, second = (super_resolve(pair.input, method, return_samples=True, **FAST)
                     for _ in range(2))
    np.testing.assert_array_equal(first.extras["samples"], second.extras["samples"])
    other = super_resolve(pair.input, method, return_samples=True, **{**FAST, "seed": 4})
    assert not np.array_equal(first.extras["samples"], other.extras["samples"])
    # CVDM's image is the samples' mean; ZMD's, its mean network's: the same for every seed
    assert np.array_equal(first.image, other.image) == (method == "zmd")


def test_upsampling_doubles_the_grid_and_halves_the_pixel(pair):
    optics = Optics(na=1.2, wavelength_nm=560, pixel_size_nm=90, refractive_index=1.518)
    coarse = pair.input[::2, ::2]
    result = super_resolve(coarse, optics=optics, upsample=2, **FAST)
    assert result.image.shape == result.extras["uncertainty"].shape == (96, 96)
    assert result.metadata["pixel_size_nm"] == pytest.approx(45)
    assert result.metadata["optics"]["pixel_size_nm"] == pytest.approx(45)  # the output's
    assert result.metadata["pixel_size_check"] == "ok"


def test_resample_samples_at_the_models_pixel_and_returns_to_the_images_grid(pair):
    """Pixels twice the model's: with ``resample`` no warning, the result on the image's grid
    (its pixel in the metadata) is the run at the model's pixel resampled back."""
    from napari_inverse.methods.sampling import model_zoom, to_image_grid, to_model_grid
    from napari_inverse.zoo import load_model

    optics = Optics(na=1.2, wavelength_nm=560, pixel_size_nm=90, refractive_index=1.518)
    fast = {**FAST, "samples": 2, "steps": 2}
    coarse = pair.input[::2, ::2]
    with pytest.warns(PixelSizeWarning, match="resample=True"):
        super_resolve(coarse, optics=optics, **fast)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PixelSizeWarning)
        result = super_resolve(coarse, optics=optics, resample=True, **fast)
    zoom = model_zoom(load_model("zmd-widefield-sr").card, optics)
    fine = dataclasses.replace(optics, pixel_size_nm=90 / zoom)
    at_model_pixel = super_resolve(to_model_grid(coarse, zoom), optics=fine, **fast)
    assert result.image.shape == result.extras["uncertainty"].shape == coarse.shape
    for ours, reference in ((result.image, at_model_pixel.image), (
            result.extras["uncertainty"], at_model_pixel.extras["uncertainty"])):
        back = to_image_grid(reference, coarse.shape)
        assert np.abs(ours - back).max() < 1e-4 * np.ptp(back)
    assert result.metadata["pixel_size_nm"] == 90
    assert result.metadata["resampled_pixel_size_nm"] == pytest.approx(fine.pixel_size_nm)
    assert result.metadata["parameters"]["resample"] is True
    with pytest.raises(InvalidInput, match="resample=True needs optics"):
        super_resolve(coarse, resample=True, **fast)


def test_tiles_leave_no_seam_in_mean_or_uncertainty(pair, monkeypatch):
    """Cut into 4 tiles, the mean and σ along the cuts change no more than elsewhere."""
    monkeypatch.setattr(verb_module, "SAMPLING_TILE", (56, 56))
    tiled = super_resolve(pair.input, **{**FAST, "samples": 8})
    whole = super_resolve(pair.input, **{**FAST, "samples": 8, "seed": 9})
    assert tiled.metadata["parameters"]["samples"] == 8
    for name in ("image", "uncertainty"):
        a = tiled.image if name == "image" else tiled.extras["uncertainty"]
        b = whole.image if name == "image" else whole.extras["uncertainty"]
        steps = np.abs(np.diff(a, axis=1))
        cut_columns = steps[:, 44:52].mean()  # the tiles meet around column 48
        assert cut_columns < 1.5 * steps.mean(), name
        assert np.abs(a - b).mean() < 0.5 * np.abs(b).mean(), name


def test_progress_counts_tiles_times_steps_and_cancel_stops(pair, monkeypatch):
    monkeypatch.setattr(verb_module, "SAMPLING_TILE", (56, 56))
    calls = []
    super_resolve(pair.input, progress=lambda d, t, m: calls.append((d, t)), **FAST)
    assert calls[-1] == (4 * 6, 4 * 6) and len(calls) >= 4 * 6
    token = CancelToken()

    def cancel_after_two(done, total, message):
        if done >= 2:
            token.set()

    with pytest.raises(Cancelled):
        super_resolve(pair.input, progress=cancel_after_two, cancel=token, **FAST)


@pytest.mark.parametrize("method", ["cvdm", "zmd"])
def test_physics_guidance_needs_optics_and_keeps_the_grid(pair, method):
    with pytest.raises(InvalidInput, match="needs optics"):
        super_resolve(pair.input, method, physics=True, **FAST)
    optics = Optics(**pair.metadata["optics"])
    result = super_resolve(pair.input, method, physics=True, optics=optics, **FAST)
    assert result.image.shape == pair.input.shape
    assert result.metadata["parameters"]["physics"] is True


@pytest.mark.parametrize("call, match", [
    (lambda: super_resolve(np.full((32, 32), np.nan)), "NaN"),
    (lambda: super_resolve(np.ones((0, 32))), "empty"),
    (lambda: super_resolve(np.ones((1, 1))), "too small"),
    (lambda: super_resolve(np.ones((32, 32)), samples=0), "samples=0 is out of range"),
    (lambda: super_resolve(np.ones((32, 32)), steps=0), "steps=0 is out of range"),
    (lambda: super_resolve(np.ones((32, 32)), steps=500), "199 is the reference"),
    (lambda: super_resolve(np.ones((32, 32)), upsample=3), "upsample=3 is out of range"),
    (lambda: super_resolve(np.ones((32, 32, 3), np.uint8)), "RGB"),
    (lambda: super_resolve(np.ones((32, 32)), model="care-denoise"), "method='care'"),
], ids=["nan", "empty", "1x1", "samples 0", "steps 0", "steps 500", "upsample 3", "rgb",
        "wrong family"])
def test_bad_input_is_explained(call, match):
    with pytest.raises(InvalidInput, match=match):
        call()


@pytest.mark.slow
@pytest.mark.parametrize("method", ["cvdm", "zmd"])
def test_a_fine_tuned_model_reports_its_spread_as_uncalibrated(pair, tmp_path, method):
    """Fine-tuning drops the calibration (it held for the shipped weights only): the verb then
    names the spread for what it is instead of calling it an uncertainty."""
    from napari_inverse import fine_tune

    fine_tune(pair.input, pair.target, family=method, start="shipped", steps=2, batch_size=2,
              patch=32, out=tmp_path / "mine", name="mine")
    result = super_resolve(pair.input, method, model=tmp_path / "mine", **FAST)
    assert "uncertainty" not in result.extras and result.extras["sample_spread"].min() > 0
    assert result.metadata["uncertainty_calibration"].startswith("none")
