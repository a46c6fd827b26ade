"""The model picker's tooltip shows the chosen model's card, in a real viewer."""
from __future__ import annotations

import pytest

from napari_inverse.zoo import find_model
from napari_inverse.zoo.card_summary import card_summary

pytestmark = pytest.mark.gui


def test_the_picker_tooltip_follows_the_chosen_model_and_microscope(open_dock):
    _, dock = open_dock()
    picker = dock.models.model
    assert picker.value == "mrbcr-widefield"
    tooltip = picker.native.toolTip()
    assert tooltip == card_summary(find_model("mrbcr-widefield").card, na=dock.na.value,
                                   wavelength_nm=dock.wavelength_nm.value)
    assert "benchmark PSNR (dB): microtubules" in tooltip and "trained on NVIDIA H200" in tooltip

    dock.method.value = "care"
    assert picker.value == "care-widefield"
    assert picker.native.toolTip().startswith("care-widefield: deconvolution")

    dock.na.value = 1.0  # the pixel range in nm follows the dock's microscope
    assert "at NA 1 and 520 nm" in picker.native.toolTip()


def test_the_denoise_picker_shows_each_models_card(open_dock):
    _, dock = open_dock(widget="Denoise")
    picker = dock.models.model
    for model in ("care-denoise", "n2v-fluorescence"):
        dock.method.value = find_model(model).card.family
        assert picker.value == model
        assert picker.native.toolTip().startswith(f"{model}: denoising")
