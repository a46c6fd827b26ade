"""The Focus dock in a real viewer: in-focus labels, depth map and all-in-focus image on the
stack's grid, the slider's live preview on the current slice, and Cancel."""
from __future__ import annotations

import numpy as np
import pytest

from napari_inverse import Optics, fine_tune, segment_focus
from napari_inverse._napari import focus_preview, train_dock
from napari_inverse.classical import focus
from napari_inverse.metrics import iou
from napari_inverse.simulate import focal_stack

from .test_deconvolve_dock import run_and_wait

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("single_thread")]
OPTICS = Optics(na=0.5, wavelength_nm=520, pixel_size_nm=325, refractive_index=1.0, z_step_nm=1000)


@pytest.fixture(scope="module")
def sheet():
    return focal_stack((64, 64), OPTICS, n_planes=6, scene="surface", photons=500,
                       psf_model="born_wolf", seed=2)


def add_stack(viewer, data):
    return viewer.add_image(data.copy(), name="stack", scale=(1.0, 0.325, 0.325),
                            translate=(0.0, 1.0, 2.0), metadata={"axes": "ZYX"})


def test_focus_dock_shows_labels_depth_and_all_in_focus_on_the_grid(open_dock, qtbot, sheet):
    viewer, dock = open_dock(widget="Focus")
    source = add_stack(viewer, sheet.stack)
    dock.image.value = source
    dock.z_step_nm.value = 1000
    run_and_wait(qtbot, dock)
    labels = viewer.layers["stack · in focus"]
    depth = viewer.layers["stack · depth"]
    assert labels.data.shape == sheet.stack.shape
    np.testing.assert_allclose(labels.scale, source.scale)
    np.testing.assert_allclose(labels.translate, source.translate)
    assert iou(sheet.in_focus, labels.data.astype(bool)) > 0.6
    assert depth.data.shape == (64, 64) and depth.colormap.name == "turbo"
    np.testing.assert_allclose(depth.scale, (0.325, 0.325))
    assert depth.metadata["z_step_nm"] == 1000 and depth.metadata["units"] == "nm"
    assert np.nanmedian(np.abs(depth.data - sheet.depth_nm)) < 400
    assert viewer.layers["stack · all in focus"].data.shape == (64, 64)
    np.testing.assert_array_equal(source.data, sheet.stack)

    # the slider re-thresholds the slice on view at once, and only that slice
    viewer.dims.set_current_step(0, 3)
    before = labels.data.copy()
    dock.threshold.value = 0.95
    assert labels.data[3].sum() < before[3].sum()
    np.testing.assert_array_equal(np.delete(labels.data, 3, 0), np.delete(before, 3, 0))


def test_with_the_layer_s_optics_the_slider_is_a_fraction_of_the_depth_of_field(open_dock, qtbot,
                                                                              sheet):
    viewer, dock = open_dock(widget="Focus")
    source = viewer.add_image(sheet.stack.copy(), name="stack", scale=(1.0, 0.325, 0.325),
                              metadata={"axes": "ZYX", "optics": {
                                  "na": 0.5, "wavelength_nm": 520, "refractive_index": 1.0}})
    dock.image.value = source
    dock.z_step_nm.value = 1000
    assert dock.rule.value == "depth_of_field" and dock.threshold.value == 0.5
    assert dock.threshold.label == "× depth of field"
    run_and_wait(qtbot, dock)
    labels = viewer.layers["stack · in focus"]
    expected = segment_focus(sheet.stack, optics=OPTICS)
    np.testing.assert_array_equal(labels.data.astype(bool), expected.image)
    viewer.dims.set_current_step(0, 3)
    dock.threshold.value = 0.25  # ±0.68 planes instead of ±1.37 around each pixel's depth
    narrow = segment_focus(sheet.stack, optics=OPTICS, threshold=0.25).image
    np.testing.assert_array_equal(labels.data[3].astype(bool), narrow[3])
    assert narrow[3].sum() < 0.7 * expected.image[3].sum()
    dock.method.value = "cnn"
    assert dock.threshold.label == "probability" and not dock.rule.visible


def test_the_network_s_slider_previews_what_the_verb_gives_at_that_probability(open_dock,
                                                                               qtbot, sheet):
    viewer, dock = open_dock(widget="Focus")
    dock.image.value = viewer.add_image(
        sheet.stack.copy(), name="stack", scale=(1.0, 0.325, 0.325), metadata={
            "axes": "ZYX", "optics": {"na": 0.5, "wavelength_nm": 520, "refractive_index": 1.0}})
    dock.z_step_nm.value = 1000
    dock.method.value = "cnn"
    run_and_wait(qtbot, dock)
    labels = viewer.layers["stack · in focus"]
    viewer.dims.set_current_step(0, 2)
    previews = []
    for threshold in (0.2, 0.9):
        dock.threshold.value = threshold
        expected = segment_focus(sheet.stack, "cnn", optics=OPTICS, threshold=threshold).image
        previews.append(labels.data[2].astype(bool))
        np.testing.assert_array_equal(previews[-1], expected[2])
    assert previews[0].sum() > previews[1].sum()


def test_before_a_run_the_dock_says_when_the_network_learned_other_plane_spacings(open_dock,
                                                                                   sheet):
    """1 µm at NA 0.5 is 0.37 of the depth of field, inside the card's range; 6 µm is 2.2."""
    viewer, dock = open_dock(widget="Focus")
    dock.image.value = viewer.add_image(
        sheet.stack.copy(), name="stack", scale=(1.0, 0.325, 0.325), metadata={
            "axes": "ZYX", "optics": {"na": 0.5, "wavelength_nm": 520, "refractive_index": 1.0}})
    dock.z_step_nm.value = 6000
    warning = dock.spacing_warning
    assert warning.native.isHidden()  # the weak labels read any spacing
    dock.method.value = "cnn"
    assert not warning.native.isHidden()
    assert "planes 2.20 of the depth of field apart" in warning.value
    assert "fine-tune" in warning.tooltip
    dock.z_step_nm.value = 1000
    assert warning.native.isHidden()


def test_a_slider_move_re_thresholds_without_recomputing_the_gate_or_the_score(
        open_dock, qtbot, sheet, monkeypatch):
    """The ratio rule's preview: the foreground gate comes from the run, a slice's focus score
    is computed the first time that slice is previewed, and later moves only compare."""
    calls = {"foreground": 0, "focus_map": 0}

    def counted(name, function):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(focus, "foreground", counted("foreground", focus.foreground))
    monkeypatch.setattr(focus_preview, "focus_map", counted("focus_map", focus_preview.focus_map))
    viewer, dock = open_dock(widget="Focus")
    dock.image.value = add_stack(viewer, sheet.stack)
    assert dock.rule.value == "ratio" and dock.threshold.label == "× best focus"
    run_and_wait(qtbot, dock)
    labels = viewer.layers["stack · in focus"]
    viewer.dims.set_current_step(0, 2)
    calls.update(foreground=0, focus_map=0)
    dock.threshold.value = 0.9  # the first preview of slice 2: its score, once
    first = labels.data[2].copy()
    for value in (0.6, 0.8, 0.9):
        dock.threshold.value = value
    assert calls == {"foreground": 0, "focus_map": 1}
    np.testing.assert_array_equal(labels.data[2], first)
    ratio = segment_focus(sheet.stack, threshold=0.6).image[2]
    dock.threshold.value = 0.6
    np.testing.assert_array_equal(labels.data[2].astype(bool), ratio)


def test_cancel_leaves_no_layer(open_dock, qtbot):
    viewer, dock = open_dock(widget="Focus")
    big = np.random.default_rng(0).random((64, 512, 512), np.float32)
    dock.image.value = viewer.add_image(big, name="big", metadata={"axes": "ZYX"})
    dock.run_button.clicked()
    qtbot.waitUntil(lambda: dock.progress.value > 0, timeout=30_000)
    dock.cancel_button.clicked()
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=5_000)
    assert [layer.name for layer in viewer.layers] == ["big"]
    assert dock.run_button.enabled


def test_the_train_dock_fine_tunes_the_focus_family_on_a_stack_alone(open_dock, qtbot, sheet,
                                                                     tmp_path, monkeypatch):
    viewer, dock = open_dock(widget="Train")
    dock.family.value, dock.device.value = "focus", "cpu"
    assert dock.start.value == "focus-widefield" and dock.target.native.isHidden()
    assert dock.image.label == "focal stacks"
    dock.model_name.value, dock.save_to.value = "my-focus", tmp_path
    dock.patch.value, dock.batch_size.value, dock.steps.value = 32, 2, 2
    stack = add_stack(viewer, sheet.stack)
    stack.metadata.update(optics={"na": 0.5, "wavelength_nm": 520, "refractive_index": 1.0},
                          pixel_size_nm={"Z": 1000, "Y": 325, "X": 325})
    dock.image.value = [stack]
    given = []
    monkeypatch.setattr(train_dock, "fine_tune",
                        lambda *args, **options: given.append(options["optics"])
                        or fine_tune(*args, **options))
    dock.run_button.clicked()
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=60_000)
    assert given == [OPTICS]  # the stack's microscope: its labels by the depth-of-field rule
    assert (tmp_path / "my-focus" / "my-focus.safetensors").is_file()
    assert "saved my-focus" in dock.message.value
