"""The Super-resolve dock in a real viewer: mean and uncertainty layers on the source's field,
the overlay's look and toggle, a finer grid when up-sampling, Cancel, a responsive event loop."""
from __future__ import annotations

import numpy as np
import pytest

from napari_inverse.simulate import super_resolution_pair
from napari_inverse.zoo import load_model

from .test_deconvolve_dock import event_loop_gaps, run_and_wait

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("single_thread")]
MEAN = "widefield · zmd-widefield-sr"
OVERLAY = MEAN + " · uncertainty (1σ)"


@pytest.fixture(scope="module")
def pair():
    return super_resolution_pair(40_000_002, (64, 64), "microtubules")


def open_super_resolve(open_dock, pair, metadata=None, **fields):
    viewer, dock = open_dock(widget="Super-resolve")
    optics = pair.metadata["optics"]
    source = viewer.add_image(pair.input.copy(), name="widefield",
                              scale=(optics["pixel_size_nm"] / 1000,) * 2, translate=(1.0, 2.0),
                              metadata={"optics": optics, **(metadata or {})})
    dock.image.value = source
    dock.samples.value, dock.steps.value = fields.get("samples", 3), fields.get("steps", 4)
    return viewer, dock, source


def test_mean_and_uncertainty_overlay_sit_on_the_source(open_dock, qtbot, pair):
    viewer, dock, source = open_super_resolve(open_dock, pair)
    assert dock.models.model.value == "zmd-widefield-sr"
    run_and_wait(qtbot, dock, timeout=120_000)
    mean, overlay = viewer.layers[MEAN], viewer.layers[OVERLAY]
    for layer in (mean, overlay):
        np.testing.assert_allclose(layer.scale, source.scale)
        np.testing.assert_allclose(layer.translate, source.translate)
        assert layer.data.shape == pair.input.shape
    assert overlay.blending == "additive" and overlay.colormap.name == "inferno"
    np.testing.assert_allclose(overlay.contrast_limits,
                               np.percentile(overlay.data, (0.5, 99.8)), rtol=1e-5)
    assert overlay.visible
    dock.show_uncertainty.value = False
    assert not overlay.visible and mean.visible
    np.testing.assert_array_equal(source.data, pair.input)


def test_the_cvdm_method_offers_its_models_and_makes_both_layers(open_dock, qtbot, pair):
    viewer, dock, source = open_super_resolve(open_dock, pair)
    dock.method.value = "cvdm"
    assert dock.models.model.value == "cvdm-widefield-sr"
    run_and_wait(qtbot, dock, timeout=120_000)
    mean = viewer.layers["widefield · cvdm-widefield-sr"]
    overlay = viewer.layers["widefield · cvdm-widefield-sr · uncertainty (1σ)"]
    for layer in (mean, overlay):
        assert layer.data.shape == pair.input.shape
        np.testing.assert_allclose(layer.scale, source.scale)


def test_upsampled_layers_have_half_the_pixel_on_the_same_field(open_dock, qtbot, pair):
    """Also: the pixel-size check judges the up-sampled grid (a coarse layer is fine at 2×)."""
    viewer, dock, source = open_super_resolve(open_dock, pair)
    dock.pixel_size_nm.value = 2 * pair.metadata["optics"]["pixel_size_nm"]
    assert not dock.models.pixel_check.warning.native.isHidden()
    dock.upsample.value = 2
    assert dock.models.pixel_check.warning.native.isHidden()
    run_and_wait(qtbot, dock, timeout=120_000)
    for layer in (viewer.layers[MEAN], viewer.layers[OVERLAY]):
        assert layer.data.shape == (128, 128)
        np.testing.assert_allclose(layer.scale, np.asarray(source.scale) / 2)
        # the field's outer edges coincide: first pixel's edge = source's first pixel's edge
        np.testing.assert_allclose(np.asarray(layer.translate) - np.asarray(layer.scale) / 2,
                                   np.asarray(source.translate) - np.asarray(source.scale) / 2)


def test_resample_box_samples_at_the_models_pixel_and_returns_to_the_layers_grid(
        open_dock, qtbot, pair):
    """A layer of twice the model's pixel: the warning offers the box, and ticked, the verb
    samples at the model's pixel; the layers come back on the source's grid, their metadata
    stating the source's pixel and the one sampled at."""
    viewer, dock, source = open_super_resolve(open_dock, pair)
    coarse = 2 * pair.metadata["optics"]["pixel_size_nm"]
    dock.pixel_size_nm.value = coarse
    check = dock.models.pixel_check
    assert not check.warning.native.isHidden() and not check.resample.native.isHidden()
    assert "resample" in check.details.value and "grid you chose" in check.details.value
    check.resample.value = True
    expected = load_model("zmd-widefield-sr").card.expected_pixel_size_nm(
        dock.na.value, dock.wavelength_nm.value)  # the microscope the dock's fields describe
    run_and_wait(qtbot, dock, timeout=120_000)
    for layer in (viewer.layers[MEAN], viewer.layers[OVERLAY]):
        assert layer.data.shape == pair.input.shape
        np.testing.assert_allclose(layer.scale, source.scale)
        recorded = layer.metadata["napari_inverse"]
        assert recorded["parameters"]["resample"] is True
        assert recorded["pixel_size_nm"] == pytest.approx(coarse, rel=1e-4)  # the field: 0.01
        assert recorded["resampled_pixel_size_nm"] == pytest.approx(expected, rel=1e-4)


def test_upsampled_layers_state_their_own_pixel_size(open_dock, qtbot, pair):
    """A source whose metadata records its pixel size: the 2× layers record half of it."""
    pixel = 140.0  # about twice the pair's, within what the model takes at 2×
    viewer, dock, source = open_super_resolve(open_dock, pair, metadata={
        "pixel_size_nm": {"X": pixel, "Y": pixel}})
    assert dock.pixel_size_nm.value == pixel
    dock.upsample.value = 2
    run_and_wait(qtbot, dock, timeout=120_000)
    for layer in (viewer.layers[MEAN], viewer.layers[OVERLAY]):
        assert layer.metadata["pixel_size_nm"] == {"X": pixel / 2, "Y": pixel / 2}
    assert source.metadata["pixel_size_nm"] == {"X": pixel, "Y": pixel}


def test_cancel_mid_sampling_leaves_no_layer_and_the_loop_stays_responsive(open_dock, qtbot,
                                                                           pair):
    viewer, dock, source = open_super_resolve(open_dock, pair, samples=8, steps=199)
    dock.run_button.clicked()
    qtbot.waitUntil(lambda: dock.progress.value > 0, timeout=60_000)
    assert dock.progress.max == 199
    gaps = event_loop_gaps(qtbot, 30)
    assert dock.runner.running, "the job ended before the probing did"
    dock.cancel_button.clicked()
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=10_000)
    assert [layer.name for layer in viewer.layers] == ["widefield"]
    assert max(gaps) < 200, f"event loop stalled {max(gaps)} ms"
