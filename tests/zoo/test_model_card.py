"""Model cards: a JSON round trip loses nothing, and the pixel-size check follows the 20 % rule."""
from __future__ import annotations

import json

import pytest

from napari_inverse.zoo import ModelCard
from napari_inverse.zoo.card import check_model_name

NA, WAVELENGTH = 1.4, 520.0
NYQUIST = WAVELENGTH / (4 * NA)  # 92.9 nm


def full_card() -> ModelCard:
    return ModelCard(
        name="mito-care", family="care", task="deconvolution",
        architecture={"ndim": 2, "depth": 1, "first_filters": 4}, description="test card",
        nyquist_fraction=(0.6, 0.9), optics={"na": [1.2, 1.49], "wavelength_nm": [450, 650]},
        recipe="care-widefield", seed=7, steps=100, batch_size=8, patch_size=64,
        wall_time_s=12.5, hardware="cpu", parameter_count=1234,
        metrics={"validation_psnr_db": 31.2}, sha256="ab" * 32, created="2024-01-01T00:00:00+00:00",
        base_model="care-base")


def test_card_round_trips_through_json(tmp_path):
    card = full_card()
    assert ModelCard.from_dict(json.loads(card.to_json())) == card
    card.save(tmp_path / "mito-care.json")
    assert ModelCard.load(tmp_path / "mito-care.json") == card


def test_card_ignores_unknown_keys_and_requires_identity():
    data = {"name": "m", "family": "care", "task": "denoising", "from_the_future": 1}
    assert ModelCard.from_dict(data).name == "m"
    with pytest.raises(ValueError, match="lacks family"):
        ModelCard.from_dict({"name": "m", "task": "denoising"})


def test_unreadable_card_names_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.json"):
        ModelCard.load(path)


def test_fixed_pixel_size_card_accepts_within_20_percent():
    card = ModelCard(name="m", family="care", task="deconvolution", pixel_size_nm=65.0)
    assert card.expected_pixel_size_nm(NA, WAVELENGTH) == 65.0
    for factor, accepted in [(1.0, True), (1.19, True), (0.81, True), (1.21, False),
                             (0.79, False)]:
        assert card.accepts_pixel_size(65.0 * factor, NA, WAVELENGTH) is accepted, factor


def test_nyquist_range_card_scales_with_the_microscope():
    card = ModelCard(name="m", family="mrbcr", task="deconvolution", nyquist_fraction=(0.6, 0.9))
    assert card.expected_pixel_size_nm(NA, WAVELENGTH) == pytest.approx(NYQUIST * 0.54 ** 0.5)
    assert card.expected_pixel_size_nm(0.7, WAVELENGTH) == pytest.approx(
        2 * card.expected_pixel_size_nm(1.4, WAVELENGTH))
    # The range widened by 20 % at both ends: 0.48 … 1.08 × Nyquist.
    for fraction, accepted in [(0.6, True), (0.9, True), (0.49, True), (1.07, True),
                               (0.47, False), (1.09, False)]:
        assert card.accepts_pixel_size(NYQUIST * fraction, NA, WAVELENGTH) is accepted, fraction


def test_card_without_sampling_accepts_any_pixel_size():
    card = ModelCard(name="m", family="n2v", task="denoising")
    assert card.expected_pixel_size_nm(NA, WAVELENGTH) is None
    assert card.accepts_pixel_size(500.0, NA, WAVELENGTH)


@pytest.mark.parametrize("data, named", [
    ([{"name": "m"}], "must be a JSON object"),
    ({"name": "m", "family": "care", "task": "denoising", "architecture": [2]}, "'architecture'"),
    ({"name": "m", "family": "care", "task": "denoising", "nyquist_fraction": 1},
     "'nyquist_fraction'"),
    ({"name": "m", "family": "care", "task": "denoising", "nyquist_fraction": [0.9, "x"]},
     "'nyquist_fraction'"),
    ({"name": 3, "family": "care", "task": "denoising"}, "'name'"),
])
def test_wrongly_typed_card_is_a_value_error_naming_the_field(data, named):
    """A picker skips cards that raise ValueError, so no other error may escape for bad JSON."""
    with pytest.raises(ValueError, match=named):
        ModelCard.from_dict(data)


@pytest.mark.parametrize("name, problem", [
    ("", "is empty"), (" care", "spaces at its ends"), ("a/b", "contains /"),
    ("a\\b", "contains /"), ("c:care", "contains /"), ("what?", "contains /"),
    ("..", "is not a file name"), ("nul", "reserved for devices"), ("COM1.v2", "reserved"),
])
def test_a_name_no_file_system_can_hold_is_refused(name, problem):
    with pytest.raises(ValueError, match=problem):
        check_model_name(name)
    assert check_model_name("mito-care v2.1") == "mito-care v2.1"


@pytest.mark.parametrize("calibration, name", [
    ({}, "sample_spread"),
    ({"factor": 1.4}, "uncertainty"),
    ({"factor": 1.4, "raw_spread": {"spearman_with_error": 0.45}}, "uncertainty"),
    ({"factor": 2.2, "raw_spread": {"spearman_with_error": 0.03}}, "sample_spread"),
])
def test_a_spread_is_an_uncertainty_only_when_calibrated_and_pointing_at_errors(calibration,
                                                                                  name):
    card = full_card()
    card.calibration = calibration
    assert card.spread_name == name
