"""The Train dock in a real viewer: N2V from scratch with a live loss plot, Stop keeping the best
weights, the saved model at once in an open Denoise dock's picker, Predict with the pixel-size
check, several layers paired by position, the time budget, a responsive viewer, bad input."""
from __future__ import annotations

import re

import numpy as np
import pytest
from qtpy.QtCore import QElapsedTimer, QTimer

from napari_inverse._napari import train_dock as train_dock_module
from napari_inverse.simulate.pairs import denoising_pair
from napari_inverse.zoo import list_models

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("single_thread")]
SCALE = (0.065, 0.065)
# Tiny settings: a validation every 20 steps of 2 × 32² patches, well under a second on a CPU;
# far more steps than the test waits for, so it is Stop that ends the run.
QUICK = dict(patch=32, batch_size=2, steps=400)


@pytest.fixture(scope="module")
def pair():
    return denoising_pair(0, (96, 96), photons=20)


@pytest.fixture(scope="module")
def noisy(pair):
    return pair.input.astype(np.float32)


def train_dock(open_dock, noisy, name="noisy", viewer=None):
    """A Train dock set to N2V from scratch on a ``noisy`` layer, with the QUICK settings."""
    viewer, dock = open_dock(viewer, widget="Train")
    dock.image.value = viewer.add_image(noisy.copy(), name=name, scale=SCALE,
                                        translate=(1.0, 2.0))
    dock.family.value, dock.start.value, dock.model_name.value = "n2v", "new", "dock-n2v"
    dock.device.value = "cpu"  # after the family and device: both reset the settings below
    for key, value in QUICK.items():
        getattr(dock, key).value = value
    return viewer, dock


class StallProbe:
    """A 20 ms QTimer on the GUI thread; the longest gap between its ticks is the worst stall."""

    def __init__(self) -> None:
        self.clock, self.gaps, self.timer = QElapsedTimer(), [], QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(lambda: self.gaps.append(self.clock.restart()))

    def start(self, *_) -> None:
        if not self.timer.isActive():
            self.clock.start()
            self.timer.start()

    def stop(self) -> int:
        self.timer.stop()
        assert len(self.gaps) > 10, "too short to probe the event loop"
        return max(self.gaps)


def test_train_stop_save_then_pick_and_predict(open_dock, qtbot, noisy):
    viewer, denoise_dock = open_dock(widget="Denoise")  # open before the model exists
    denoise_dock.method.value = "n2v"
    viewer, dock = train_dock(open_dock, noisy, viewer=viewer)
    assert dock.target.native.isHidden() and dock.validation_target.native.isHidden()
    # Probed from the click: the dock started importing the first optimiser's torch._dynamo in
    # the background when it opened (a user reads the dock meanwhile), so once that is done the
    # training thread has nothing left that holds the GIL for long.
    qtbot.waitUntil(lambda: not train_dock_module._optimiser_machinery().is_alive(),
                    timeout=60_000)
    probe = StallProbe()
    probe.start()
    dock.run_button.clicked()
    qtbot.waitUntil(lambda: len(dock.loss_plot.validation) >= 1, timeout=60_000)
    worst = probe.stop()
    assert "steps/s" in dock.speed.value and "left" in dock.speed.value
    assert dock.cancel_button.enabled and not dock.predict_button.enabled
    dock.cancel_button.clicked()
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=30_000)
    assert worst < 200, f"event loop stalled {worst} ms"

    saved = [e for e in list_models(task="denoising", family_name="n2v") if e.source == "user"]
    assert [e.name for e in saved] == ["dock-n2v"] and saved[0].weights.is_file()
    assert saved[0].card.metrics["stop_reason"] == "cancelled"
    assert "saved dock-n2v" in dock.message.value
    assert str(saved[0].weights) in dock.start.choices  # training can resume from it
    assert str(saved[0].weights) in denoise_dock.models.model.choices  # no refresh, no reopening

    assert dock.predict_button.enabled and dock.predict_check.warning.native.isHidden()
    fine = viewer.add_image(noisy.copy(), name="fine", scale=(0.04, 0.04))
    dock.predict_on.value = fine
    assert "40 nm" in dock.predict_check.warning.value
    assert not dock.predict_check.resample.native.isHidden()
    dock.predict_check.resample.value = True
    dock.predict_button.clicked()
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=30_000)
    resampled = viewer.layers["fine · dock-n2v"]
    assert resampled.metadata["napari_inverse"]["resampled_pixel_size_nm"] == pytest.approx(65)
    assert resampled.data.shape == noisy.shape
    dock.predict_on.value = viewer.add_image(noisy.copy(), name="uncalibrated")
    assert "does not record its pixel size" in dock.predict_check.warning.value
    assert "65 nm" in dock.predict_check.warning.value  # what the user can compare with
    assert dock.predict_check.resample.native.isHidden()  # to nothing known: not offered
    dock.predict_on.value = viewer.layers["noisy"]
    assert dock.predict_check.warning.native.isHidden()
    dock.predict_button.clicked()
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=30_000)
    result = viewer.layers["noisy · dock-n2v"]
    np.testing.assert_allclose(result.scale, SCALE)
    np.testing.assert_allclose(result.translate, (1.0, 2.0))
    assert result.data.shape == noisy.shape and np.isfinite(result.data).all()
    np.testing.assert_array_equal(viewer.layers["noisy"].data, noisy)


def test_care_learns_from_several_layer_pairs_with_a_validation_layer_into_a_chosen_folder(
        open_dock, qtbot, pair, tmp_path):
    viewer, dock = open_dock(widget="Train")
    dock.family.value, dock.device.value = "care", "cpu"
    dock.start.value, dock.model_name.value, dock.save_to.value = "new", "my-care", tmp_path
    dock.patch.value, dock.batch_size.value, dock.steps.value = 32, 2, 2
    add = viewer.add_image
    # Two pairs of different heights: only inputs and targets paired by position fit.
    dock.image.value = [add(pair.input[:40], name="in a"), add(pair.input[40:], name="in b")]
    gt_a, gt_b = add(pair.target[:40], name="gt a"), add(pair.target[40:], name="gt b")
    rows = [dock.target.native.item(k).text() for k in range(dock.target.native.count())]
    for name in ("gt b", "gt a"):  # clicked in the reverse order: the list's order still pairs
        dock.target.native.item(rows.index(name)).setSelected(True)
    assert dock.target.value == [gt_a, gt_b]
    assert dock.validation_target.native.isHidden()
    dock.validation.value = add(pair.input[:48], name="val in")
    assert not dock.validation_target.native.isHidden()
    assert dock.validation_fraction.native.isHidden()
    dock.validation_target.value = add(pair.target[:48], name="val gt")
    dock.run_button.clicked()
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=60_000)
    card = next(e.card for e in list_models(family_name="care") if e.name == "my-care")
    assert (tmp_path / "my-care" / "my-care.safetensors").is_file()
    assert card.steps == 2 and card.metrics["validation"] == "validation images given by the user"
    assert "2 user images" in card.description
    assert len(dock.loss_plot.validation) == 1


def test_the_current_layer_is_the_training_layer_until_another_is_chosen(open_dock, noisy):
    viewer = open_dock(widget="Denoise")[0]
    viewer.add_image(noisy, name="first")
    current = viewer.add_image(noisy, name="current")
    _, dock = open_dock(viewer, widget="Train")
    assert dock.image.value == [current]
    viewer.add_image(noisy, name="later")
    assert dock.image.value == [current]
    viewer.layers.remove(current)
    assert len(dock.image.value) == 1 and dock.image.value[0] in viewer.layers


def test_the_time_budget_stops_training_and_bounds_the_time_left(open_dock, qtbot, noisy):
    viewer, dock = train_dock(open_dock, noisy)
    dock.steps.value, dock.time_budget.value = 100_000, 0.01  # 0.6 s
    shown = []  # the label as each validation leaves it (it is cleared when the run ends)
    dock._records.arrived.connect(lambda _: shown.append(dock.speed.value))
    dock.run_button.clicked()
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=60_000)
    saved = next(e.card for e in list_models(family_name="n2v") if e.name == "dock-n2v")
    assert saved.metrics["stop_reason"] == "time budget"
    estimates = [text for text in shown if "steps/s" in text]
    assert estimates and all(re.search(r"about [01] s left", text) for text in estimates), shown


def test_paired_families_show_the_target_and_defaults_follow_the_family(open_dock):
    _, dock = open_dock(widget="Train")
    dock.device.value = "cpu"
    dock.family.value = "care"
    assert not dock.target.native.isHidden() and dock.image.label == "inputs"
    assert dock.start.value == "care-denoise" and dock.patch.value == 64
    dock.validation_fraction.value = 0.2
    dock.family.value = "n2v"
    assert dock.target.native.isHidden() and dock.image.label == "noisy images"
    assert dock.start.value == "new" and dock.learning_rate.value == pytest.approx(2e-3)
    dock.start.value = "n2v-fluorescence"  # fine-tuning keeps the shipped model's small rate
    assert dock.learning_rate.value < 1e-4


@pytest.mark.parametrize("case", ["no layer", "no target", "target shape", "target count",
                                  "pixel sizes", "model name"])
def test_bad_input_shows_an_error_and_changes_nothing(open_dock, qtbot, notifications, noisy,
                                                      case):
    viewer, dock = open_dock(widget="Train")
    expected = {"no layer": "no image layer", "no target": "choose a target layer",
                "target shape": "must share a grid",
                "target count": "2 inputs ('noisy', 'more') but 1 target ('clean')",
                "pixel sizes": "'noisy' has 65 nm, 'more' 80 nm", "model name": "file name"}[case]
    if case != "no layer":
        dock.image.value = viewer.add_image(noisy.copy(), name="noisy", scale=SCALE)
        dock.family.value = "n2v" if case in ("model name", "pixel sizes") else "care"
    if case in ("target count", "pixel sizes"):
        more = viewer.add_image(noisy.copy(), name="more", scale=(0.08, 0.08))
        dock.image.value = [viewer.layers["noisy"], more]
    if case in ("target shape", "target count"):
        clean = noisy[:64] if case == "target shape" else noisy
        dock.target.value = viewer.add_image(clean.copy(), name="clean")
    if case == "model name":
        dock.model_name.value = "a/b"
    names = [layer.name for layer in viewer.layers]
    dock.run_button.clicked()
    errors = [message for severity, message in notifications if severity == "error"]
    assert len(errors) == 1 and expected in errors[0], errors
    assert not dock.runner.running and dock.run_button.enabled
    assert [layer.name for layer in viewer.layers] == names
    assert not [e for e in list_models() if e.source == "user"]


def test_waiting_for_the_optimiser_import_answers_cancel_within_a_second():
    import threading
    import time

    from napari_inverse.engine.progress import Cancelled

    release, cancel = threading.Event(), threading.Event()
    slow_import = threading.Thread(target=release.wait, args=(10,), daemon=True)
    slow_import.start()
    threading.Timer(0.2, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        train_dock_module.wait_for(slow_import, cancel)
    assert time.monotonic() - started < 1.0
    release.set()
