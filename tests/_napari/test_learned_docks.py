"""The learned methods in real viewers: m-rBCR by default in the Deconvolve dock, the Denoise
dock, the pixel-size warning with its resample box, and a saved model in the picker."""
from __future__ import annotations

import numpy as np
import pytest

from napari_inverse.metrics import psnr
from napari_inverse.simulate.pairs import deconvolution_pair, denoising_pair
from napari_inverse.zoo import ModelCard, build_network, save_model
from napari_inverse.zoo.registry import MODELS_DIR_ENV

from .test_deconvolve_dock import run_and_wait

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("single_thread")]


def add_pair(viewer, pair, name, pixel_size_nm=None):
    """The pair's input as a layer calibrated like a file this plugin reads (µm scale, optics)."""
    optics = dict(pair.metadata["optics"])
    pixel = pixel_size_nm or optics["pixel_size_nm"]
    return viewer.add_image(pair.input.copy(), name=name, scale=(pixel / 1000,) * 2,
                            translate=(1.0, 2.0), metadata={"optics": optics})


@pytest.fixture(scope="module")
def blurred():
    return deconvolution_pair(0, (96, 96), "microtubules")


@pytest.fixture(scope="module")
def noisy():
    return denoising_pair(0, (96, 96), "microtubules")


def test_mrbcr_is_the_default_and_its_result_sits_on_the_source(open_dock, qtbot, blurred):
    viewer, dock = open_dock()
    source = add_pair(viewer, blurred, "blurred")
    dock.image.value = source
    assert dock.method.value == "mrbcr" and dock.models.model.value == "mrbcr-widefield"
    assert dock.iterations.native.isHidden() and dock.regularization.native.isHidden()
    assert dock.models.pixel_check.warning.native.isHidden()
    run_and_wait(qtbot, dock)
    result = viewer.layers["blurred · mrbcr-widefield"]
    np.testing.assert_allclose(result.scale, source.scale)
    np.testing.assert_allclose(result.translate, source.translate)
    np.testing.assert_array_equal(source.data, blurred.input)
    assert psnr(blurred.target, result.data) > psnr(blurred.target, blurred.input) + 2.0
    assert result.metadata["napari_inverse"]["model"] == "mrbcr-widefield"
    assert "done on cpu" in dock.message.value
    assert f"({result.metadata['napari_inverse']['precision']})" in dock.message.value
    dock.models.precision.value = "float32"
    run_and_wait(qtbot, dock)
    assert viewer.layers[-1].metadata["napari_inverse"]["precision"] == "float32"
    assert "(float32)" in dock.message.value
    dock.method.value = "richardson_lucy"
    assert dock.models.native.isHidden() and not dock.iterations.native.isHidden()


def test_a_pixel_size_outside_the_models_range_is_flagged_and_can_be_resampled(
        open_dock, qtbot, blurred):
    viewer, dock = open_dock()
    dock.image.value = add_pair(viewer, blurred, "fine", pixel_size_nm=40)
    check = dock.models.pixel_check
    assert not check.warning.native.isHidden()
    assert "40 nm" in check.warning.value and not check.resample.native.isHidden()
    check.resample.value = True
    run_and_wait(qtbot, dock)
    metadata = viewer.layers["fine · mrbcr-widefield"].metadata["napari_inverse"]
    assert metadata["resampled_pixel_size_nm"] > 40
    assert viewer.layers["fine · mrbcr-widefield"].data.shape == blurred.input.shape
    dock.pixel_size_nm.value = 90
    assert check.warning.native.isHidden() and check.resample.native.isHidden()


def test_denoise_dock_restores_with_care(open_dock, qtbot, noisy):
    viewer, dock = open_dock(widget="Denoise")
    source = add_pair(viewer, noisy, "noisy")
    dock.image.value = source
    assert dock.method.value == "care" and dock.models.model.value == "care-denoise"
    run_and_wait(qtbot, dock)
    result = viewer.layers["noisy · care-denoise"]
    np.testing.assert_allclose(result.scale, source.scale)
    assert psnr(noisy.target, result.data) > psnr(noisy.target, noisy.input) + 8.0


def test_a_saved_model_appears_in_the_denoise_picker(open_dock, make_napari_viewer, qtbot, noisy,
                                                     tmp_path, monkeypatch):
    monkeypatch.setenv(MODELS_DIR_ENV, str(tmp_path / "my-models"))
    viewer, dock = open_dock(make_napari_viewer(show=True), widget="Denoise")
    dock.image.value = add_pair(viewer, noisy, "noisy")

    def save(name):
        card = ModelCard(name=name, family="care", task="denoising",
                         architecture={"ndim": 2, "depth": 1, "first_filters": 4})
        return save_model(build_network(card.family, card.architecture), card)

    first = save("my-care")
    dock.models.refresh_button.clicked()
    assert str(first.weights) in dock.models.model.choices
    dock_widget = dock.native.parent()
    dock_widget.hide()
    second = save("my-other-care")
    dock_widget.show()  # a dock shown again re-reads the zoo
    assert str(second.weights) in dock.models.model.choices
    dock.models.model.value = str(first.weights)
    run_and_wait(qtbot, dock)
    assert "noisy · my-care" in viewer.layers
