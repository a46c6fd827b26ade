"""Each dock leaves the canvas most of a default window: at most 420 px wide in a 1500 × 950
napari window, with the longest pixel-size warning shown, a long layer name, and (Train) a
trained model's Predict warning."""
from __future__ import annotations

import functools

import numpy as np
import pytest
from qtpy.QtWidgets import QApplication, QDockWidget

from napari_inverse.zoo import list_models

pytestmark = pytest.mark.gui
MAX_WIDTH = 420
WINDOW = (1500, 950)
# far outside every model's range, with a long name: the widest warning and layer picker
FAR_SCALE_UM = (0.004, 0.004)
LONG_NAME = "2026-12-07 HeLa fixed, tubulin Alexa488, 100x oil, field 07 of 24"


def dock_widget(dock) -> QDockWidget:
    widget = dock.native
    while not isinstance(widget, QDockWidget):
        widget = widget.parent()
    return widget


def widths(dock) -> tuple[int, int]:
    """The dock's width in the window and the least width its contents ask for."""
    QApplication.processEvents()
    frame = dock_widget(dock)
    return frame.width(), frame.minimumSizeHint().width()


@pytest.fixture
def window(make_napari_viewer):
    viewer = make_napari_viewer(show=True)
    viewer.window._qt_window.resize(*WINDOW)
    return viewer


def far_layer(viewer, name=LONG_NAME):
    return viewer.add_image(np.zeros((64, 64), np.float32), name=name, scale=FAR_SCALE_UM)


@pytest.mark.parametrize("widget", ["Deconvolve", "Denoise", "Super-resolve"])
def test_a_verb_dock_fits_in_420_px_with_the_pixel_size_warning(window, open_dock, widget):
    uncalibrated = window.add_image(np.zeros((64, 64), np.float32), name=LONG_NAME + " (raw)")
    _, dock = open_dock(window, widget)
    dock.image.value = uncalibrated  # the "not in the file" caption
    assert "not in the file" in dock.pixel_size_nm.label
    assert max(widths(dock)) <= MAX_WIDTH, widths(dock)
    dock.image.value = far_layer(window)
    warning = dock.models.pixel_check.warning
    assert not warning.native.isHidden() and not dock.models.pixel_check.resample.native.isHidden()
    assert max(widths(dock)) <= MAX_WIDTH, widths(dock)


def test_the_focus_dock_fits_in_420_px_with_either_method(window, open_dock):
    _, dock = open_dock(window, "Focus")
    dock.image.value = window.add_image(np.zeros((4, 64, 64), np.float32), name=LONG_NAME)
    for method in ("weak", "cnn"):
        dock.method.value = method
        assert max(widths(dock)) <= MAX_WIDTH, widths(dock)
def test_the_phase_dock_fits_in_420_px_for_a_stack_and_an_rgb_layer(window, open_dock):
    _, dock = open_dock(window, "Phase")
    dock.image.value = window.add_image(np.zeros((3, 64, 64), np.float32), name=LONG_NAME)
    dock.method.value = "wotf"
    assert max(widths(dock)) <= MAX_WIDTH, widths(dock)
    dock.image.value = window.add_image(np.zeros((64, 64, 3), np.float32), name=LONG_NAME + " rgb",
                                        rgb=True)
    assert not dock.focal_shifts.native.isHidden()
    assert max(widths(dock)) <= MAX_WIDTH, widths(dock)


def test_the_train_dock_fits_in_420_px_with_its_predict_warning(window, open_dock):
    _, dock = open_dock(window, "Train")
    dock.image.value = [far_layer(window)]
    dock.predict_on.value = window.layers[LONG_NAME]
    card = list_models(task="denoising", family_name="n2v")[0].card
    dock.predict_check.check(card, dock._predict_optics)
    assert not dock.predict_check.warning.native.isHidden()
    assert max(widths(dock)) <= MAX_WIDTH, widths(dock)


def test_the_pixel_size_warning_is_one_short_line_with_its_detail_behind_a_toggle(window,
                                                                                 open_dock):
    _, dock = open_dock(window, "Denoise")
    dock.image.value = far_layer(window)
    check = dock.models.pixel_check
    assert check.warning.value.startswith("⚠ 4 nm pixels; the model takes")
    assert len(check.warning.value) < 60
    assert "resampl" in check.warning.tooltip  # the verb's advice, on hover
    assert check.details.native.isHidden()
    check.details_button.native.click()
    assert not check.details.native.isHidden() and check.details.value == check.warning.tooltip
    check.details_button.native.click()
    assert check.details.native.isHidden()


@pytest.mark.parametrize("widget, advanced", [
    ("Deconvolve", ["models.precision", "device"]),
    ("Denoise", ["na", "wavelength_nm", "refractive_index", "models.precision", "device"]),
    ("Focus", ["measure", "na", "wavelength_nm", "refractive_index", "device"]),
    ("Phase", ["regularization", "device"]),
    ("Train", ["validation", "validation_target", "validation_fraction", "patch", "batch_size",
               "learning_rate", "save_to", "device"]),
])
def test_advanced_fields_wait_in_a_collapsed_section(window, open_dock, qtbot, widget,
                                                     advanced):
    _, dock = open_dock(window, widget)
    QApplication.processEvents()
    fields = dock.advanced.fields
    assert list(fields) == [functools.reduce(getattr, path.split("."), dock) for path in advanced]
    assert not dock.advanced.expanded
    assert fields.native.parentWidget().height() == 0  # collapsed: none of it on screen
    dock.advanced.section.expand(animate=False)  # then all of it fits in the window
    qtbot.waitUntil(lambda: fields.native.height() >= fields.native.sizeHint().height(),
                    timeout=2000)


def test_an_open_section_grows_when_a_field_in_it_appears(window, open_dock, qtbot):
    _, dock = open_dock(window, "Deconvolve")
    fields = dock.advanced.fields.native

    def fits(height):
        return fields.sizeHint().height() == height and fields.height() >= height

    dock.method.value = "richardson_lucy"  # no model: no precision
    dock.advanced.section.expand(animate=False)
    qtbot.wait(200)
    low = fields.sizeHint().height()
    qtbot.waitUntil(lambda: fits(low), timeout=2000)
    dock.method.value = "mrbcr"  # precision appears in the open section, not cut off
    qtbot.wait(200)
    assert fields.sizeHint().height() > low
    qtbot.waitUntil(lambda: fits(fields.sizeHint().height()), timeout=2000)
