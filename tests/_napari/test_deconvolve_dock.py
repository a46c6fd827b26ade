"""The Deconvolve dock in a real viewer: results, re-runs, cancel, errors, responsiveness."""
from __future__ import annotations

import numpy as np
import pytest
from qtpy.QtCore import QElapsedTimer, QTimer

from napari_inverse.optics import Optics
from napari_inverse.simulate import filaments, simulate_widefield

pytestmark = pytest.mark.gui
SCALE = (0.065, 0.065)
RESULT = "blurred · richardson_lucy"


@pytest.fixture(scope="module")
def pair():
    optics = Optics(na=1.4, wavelength_nm=520, pixel_size_nm=65)
    return simulate_widefield(filaments((128, 128), 65, seed=1), optics, photons=500, seed=1)


def rl_dock(open_dock):
    """The dock set to Richardson–Lucy (the default m-rBCR is tested in test_learned_docks.py)."""
    viewer, dock = open_dock()
    dock.method.value = "richardson_lucy"
    return viewer, dock


def run_and_wait(qtbot, dock, timeout=30_000):
    dock.run_button.clicked()
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=timeout)


def event_loop_gaps(qtbot, probes: int) -> list[int]:
    """Milliseconds between the ticks of a 20 ms timer on the GUI thread, over ``probes``
    ticks from now (the first, which includes the start-up, left out)."""
    clock, gaps = QElapsedTimer(), []
    probe = QTimer()
    probe.setInterval(20)
    probe.timeout.connect(lambda: gaps.append(clock.restart()))
    clock.start()
    probe.start()
    qtbot.waitUntil(lambda: len(gaps) >= probes, timeout=60_000)
    probe.stop()
    return gaps[1:]


def correlation(a, b):
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_result_layer_is_sharper_and_keeps_scale(open_dock, qtbot, pair):
    viewer, dock = rl_dock(open_dock)
    source = viewer.add_image(pair.image.copy(), name="blurred", scale=SCALE, translate=(1.0, 2.0))
    dock.image.value = source
    assert dock.iterations.native.text() == "auto"  # chosen per image by default
    run_and_wait(qtbot, dock)
    np.testing.assert_array_equal(source.data, pair.image)
    result = viewer.layers[RESULT]
    parameters = result.metadata["napari_inverse"]["parameters"]
    assert parameters["iterations"] == "auto" and parameters["chosen_iterations"] >= 1
    np.testing.assert_allclose(result.scale, source.scale)
    np.testing.assert_allclose(result.translate, source.translate)
    assert correlation(result.data, pair.truth) > correlation(pair.image, pair.truth) + 0.05
    assert dock.progress.value == dock.progress.max
    assert "done on cpu" in dock.message.value


def test_wiener_with_automatic_regularization(open_dock, qtbot, pair):
    viewer, dock = open_dock()
    dock.image.value = viewer.add_image(pair.image, name="blurred", scale=SCALE)
    dock.method.value = "wiener"
    assert dock.regularization.native.text() == "auto"
    assert dock.iterations.native.isHidden() and not dock.regularization.native.isHidden()
    run_and_wait(qtbot, dock)
    metadata = viewer.layers["blurred · wiener"].metadata["napari_inverse"]
    assert metadata["parameters"] == {"regularization": "auto"}


def test_stack_is_deconvolved_in_3d_with_the_z_step(open_dock, qtbot):
    viewer, dock = rl_dock(open_dock)
    stack = np.random.default_rng(0).random((12, 48, 48)).astype(np.float32)
    dock.image.value = viewer.add_image(stack, name="stack", scale=(0.3, 0.065, 0.065))
    dock.iterations.value = 3
    run_and_wait(qtbot, dock)
    metadata = viewer.layers["stack · richardson_lucy"].metadata
    assert metadata["napari_inverse"]["spatial_axes"] == "ZYX"
    assert metadata["optics"]["z_step_nm"] == pytest.approx(300)
    dock.three_d.value = False
    run_and_wait(qtbot, dock)
    result = viewer.layers["stack · richardson_lucy"]
    assert result.metadata["napari_inverse"]["spatial_axes"] == "YX"


def test_rerun_replaces_the_result_layer(open_dock, qtbot, pair):
    viewer, dock = rl_dock(open_dock)
    dock.image.value = viewer.add_image(pair.image, name="blurred", scale=SCALE)
    dock.iterations.value = 5
    run_and_wait(qtbot, dock)
    first = viewer.layers[RESULT].data.copy()
    dock.iterations.value = 20
    run_and_wait(qtbot, dock)
    assert [layer.name for layer in viewer.layers] == ["blurred", RESULT]
    assert not np.array_equal(first, viewer.layers[RESULT].data)



def test_result_contrast_comes_from_its_own_percentiles(open_dock, qtbot, pair):
    """A hot pixel does not set the result's contrast, nor does the source's contrast; the
    slider still reaches the hot pixel, and a re-run (the layer replaced) does the same."""
    viewer, dock = rl_dock(open_dock)
    image = pair.image.copy()
    image[5, 5] = 1000 * image.max()
    source = viewer.add_image(image, name="blurred", scale=SCALE, contrast_limits=(0, 1))
    dock.image.value = source
    for iterations in (5, 20):
        dock.iterations.value = iterations
        run_and_wait(qtbot, dock)
        result = viewer.layers[RESULT]
        expected = np.percentile(result.data, (0.5, 99.8))
        np.testing.assert_allclose(result.contrast_limits, expected, rtol=1e-5)
        assert result.contrast_limits[1] < result.data.max() / 10
        assert result.contrast_limits_range[1] >= result.data.max()
    assert tuple(source.contrast_limits) == (0, 1)

def test_cancel_leaves_no_layer_and_the_dock_ready(open_dock, qtbot, notifications):
    viewer, dock = rl_dock(open_dock)
    dock.image.value = viewer.add_image(
        np.random.default_rng(0).random((1024, 1024), np.float32), name="big", scale=SCALE
    )
    dock.iterations.value = 10_000
    dock.run_button.clicked()
    qtbot.waitUntil(lambda: dock.progress.value > 0, timeout=30_000)
    assert dock.cancel_button.enabled and not dock.run_button.enabled
    dock.cancel_button.clicked()
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=5_000)
    assert [layer.name for layer in viewer.layers] == ["big"]
    assert dock.progress.value == 0 and dock.run_button.enabled
    assert ("info", "cancelled") in notifications
    dock.iterations.value = 1
    run_and_wait(qtbot, dock)
    assert "big · richardson_lucy" in viewer.layers


def test_event_loop_never_stalls_during_a_run(open_dock, qtbot, pair):
    """The GUI thread keeps answering a 20 ms timer while RL runs: 50 probes are taken during
    the job, however fast the CPU, then the job is cancelled; the margin (10× the interval)
    holds on a machine loaded by other processes."""
    viewer, dock = rl_dock(open_dock)
    dock.image.value = viewer.add_image(np.tile(pair.image, (4, 4)), name="blurred", scale=SCALE)
    dock.iterations.value = 100_000  # far longer than the probing: it ends by Cancel
    dock.run_button.clicked()
    qtbot.waitUntil(lambda: dock.progress.value > 0, timeout=30_000)  # the iterations run
    gaps = event_loop_gaps(qtbot, 50)
    assert dock.runner.running, "the job ended before the probing did"
    dock.cancel_button.clicked()
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=10_000)
    assert RESULT not in viewer.layers
    assert max(gaps) < 200, f"event loop stalled {max(gaps)} ms"


@pytest.mark.parametrize(
    "data, expected",
    [
        (np.where(np.eye(32, dtype=bool), np.nan, 1.0).astype(np.float32), "NaN"),
        (np.ones((1, 1), np.float32), "too small"),
    ],
    ids=["nan", "1x1"],
)
def test_bad_input_shows_an_error_and_keeps_the_layer(open_dock, qtbot, notifications, data,
                                                      expected):
    viewer, dock = open_dock()
    layer = viewer.add_image(data.copy(), name="bad", scale=SCALE)
    dock.image.value = layer
    run_and_wait(qtbot, dock)
    errors = [message for severity, message in notifications if severity == "error"]
    assert len(errors) == 1 and expected in errors[0]
    np.testing.assert_array_equal(layer.data, data)
    assert [layer.name for layer in viewer.layers] == ["bad"]
    assert dock.run_button.enabled and dock.progress.value == 0


def test_settings_persist_when_the_dock_is_reopened(open_dock, make_napari_viewer):
    viewer, dock = open_dock()
    dock.method.value = "wiener"
    dock.na.value = 1.2
    dock.wavelength_nm.value = 610
    dock.refractive_index.value = 1.33
    dock.iterations.value = 77
    dock.tv_weight.value = 0.002
    dock.device.value = "cpu"
    dock.models.precision.value = "float32"
    viewer.window.remove_dock_widget(dock.native.parent())
    _, reopened = open_dock(make_napari_viewer())
    values = {k: getattr(reopened, k).value for k in
              ("method", "na", "wavelength_nm", "refractive_index", "iterations", "tv_weight",
               "device")}
    assert values == {"method": "wiener", "na": 1.2, "wavelength_nm": 610,
                      "refractive_index": 1.33, "iterations": 77, "tv_weight": 0.002,
                      "device": "cpu"}
    assert reopened.models.precision.value == "float32"


def test_fields_are_prefilled_from_the_layer(open_dock):
    viewer, dock = rl_dock(open_dock)
    dock.image.value = viewer.add_image(np.zeros((16, 16), np.float32), scale=(0.1, 0.1))
    assert dock.pixel_size_nm.value == pytest.approx(100)
    assert dock.three_d.native.isHidden()
    stack = viewer.add_image(np.zeros((4, 16, 16), np.float32), scale=(0.25, 0.08, 0.08))
    dock.image.value = stack
    assert dock.pixel_size_nm.value == pytest.approx(80)
    assert dock.z_step_nm.value == pytest.approx(250)
    assert not dock.three_d.native.isHidden()


def test_unusable_saved_values_are_ignored(open_dock, config_dir):
    config_dir.mkdir()
    (config_dir / "deconvolve.json").write_text('{"device": "cuda:7", "na": 99, "iterations": 12}')
    _, dock = open_dock()
    assert (dock.device.value, dock.na.value, dock.iterations.value) == ("auto", 1.4, 12)


def test_a_dock_opened_on_an_empty_viewer_shows_only_its_methods_fields(open_dock):
    _, dock = open_dock()
    assert dock.method.value == "mrbcr" and dock.image.value is None
    assert dock.iterations.native.isHidden() and dock.regularization.native.isHidden()
    assert "mrbcr-widefield" in dock.models.model.choices
    dock.method.value = "wiener"
    assert not dock.regularization.native.isHidden() and dock.iterations.native.isHidden()


def test_an_uncalibrated_layer_is_flagged_at_the_pixel_size_field(open_dock):
    """Its pixel size is the field's guess: the label says so until a calibrated layer is chosen."""
    viewer, dock = rl_dock(open_dock)
    dock.image.value = viewer.add_image(np.zeros((16, 16), np.float32), name="raw")
    assert dock.pixel_size_nm.label == "pixel size (nm) ⚠ not in the file"
    assert "'raw' records no pixel size" in dock.pixel_size_nm.tooltip
    dock.image.value = viewer.add_image(np.zeros((16, 16), np.float32), scale=(0.1, 0.1))
    assert dock.pixel_size_nm.label == "pixel size (nm) from the layer scale"


def test_a_measured_psf_layer_deconvolves_and_a_mis_sampled_one_is_refused(
        open_dock, qtbot, pair, notifications):
    """RL with a bead image open as a layer: the optics fields step aside, the result is as
    sharp as with the PSF it was blurred by; a bead sampled unlike the image is refused."""
    viewer, dock = rl_dock(open_dock)
    source = viewer.add_image(pair.image.copy(), name="blurred", scale=SCALE)
    bead = viewer.add_image(pair.psf.copy(), name="bead", scale=SCALE)
    dock.image.value = source
    assert [c for c in dock.psf.choices] == [None, bead]  # the image is no PSF of itself
    dock.psf.value = bead
    assert dock.na.native.isHidden() and dock.pixel_size_nm.native.isHidden()
    run_and_wait(qtbot, dock)
    result = viewer.layers[RESULT]
    assert result.metadata["napari_inverse"]["psf_source"] == "measured"
    assert correlation(result.data, pair.truth) > correlation(pair.image, pair.truth) + 0.05
    bead.scale = (0.04, 0.04)
    viewer.layers.remove(result)
    dock.run_button.clicked()
    errors = [message for severity, message in notifications if severity == "error"]
    assert errors and "the PSF layer 'bead' is sampled at 40 nm" in errors[-1]
    assert RESULT not in [layer.name for layer in viewer.layers]
    dock.method.value = "mrbcr"
    assert dock.psf.native.isHidden() and not dock.na.native.isHidden()
