"""The Focus dock in a real viewer: in-focus labels, depth map and all-in-focus image on the
stack's grid, the slider's live preview on the current slice, and Cancel."""
from __future__ import annotations

import numpy as np
import pytest

from napari_inverse import Optics
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
                                                                     tmp_path):
    viewer, dock = open_dock(widget="Train")
    dock.family.value, dock.device.value = "focus", "cpu"
    assert dock.start.value == "focus-widefield" and dock.target.native.isHidden()
    assert dock.image.label == "focal stacks"
    dock.model_name.value, dock.save_to.value = "my-focus", tmp_path
    dock.patch.value, dock.batch_size.value, dock.steps.value = 32, 2, 2
    dock.image.value = [add_stack(viewer, sheet.stack)]
    dock.run_button.clicked()
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=60_000)
    assert (tmp_path / "my-focus" / "my-focus.safetensors").is_file()
    assert "saved my-focus" in dock.message.value
