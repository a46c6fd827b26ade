"""A dock's job is bound to the layer it started on: a refused second start changes nothing,
the result lands by that layer, and removing the layer cancels the job with nothing added."""
from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.gui


def image(size, seed):
    return np.random.default_rng(seed).random((size, size), np.float32) + 0.1


def test_a_refused_second_start_leaves_the_result_on_the_first_layer(open_dock, qtbot,
                                                                       notifications):
    viewer, dock = open_dock()
    dock.method.value = "richardson_lucy"
    first = viewer.add_image(image(256, 0), name="A", scale=(0.065, 0.065), translate=(1, 2))
    other = viewer.add_image(image(256, 1), name="B", scale=(0.1, 0.2), translate=(5, 6))
    dock.image.value = first
    dock.iterations.value = 150
    dock.run_button.clicked()
    dock.image.value = other
    dock.run_button.clicked()  # Run is disabled while a job runs; a start that gets here is refused
    errors = [message for severity, message in notifications if severity == "error"]
    assert errors == ["a job is already running: cancel it or wait for it to finish"]
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=60_000)
    assert [layer.name for layer in viewer.layers] == ["A", "B", "A · richardson_lucy"]
    result = viewer.layers["A · richardson_lucy"]
    np.testing.assert_allclose(result.scale, first.scale)
    np.testing.assert_allclose(result.translate, first.translate)
    assert "done on cpu" in dock.message.value


@pytest.mark.parametrize("widget, method, size", [("Deconvolve", "richardson_lucy", 1024),
                                                  ("Denoise", "care", 1536)])
def test_removing_the_source_layer_cancels_the_job(open_dock, qtbot, notifications, widget,
                                                   method, size):
    viewer, dock = open_dock(widget=widget)
    dock.method.value = method
    if method == "richardson_lucy":
        dock.iterations.value = 10_000
    source = viewer.add_image(image(size, 0), name="source", scale=(0.065, 0.065))
    keep = viewer.add_image(image(64, 1), name="other")
    dock.image.value = source
    dock.run_button.clicked()
    qtbot.waitUntil(lambda: dock.progress.value > 0, timeout=60_000)
    viewer.layers.remove(source)
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=10_000)
    assert list(viewer.layers) == [keep]
    assert dock.message.value == "cancelled: the layer 'source' was removed"
    assert dock.run_button.enabled and dock.progress.value == 0
    assert ("info", "cancelled") in notifications
    dock.image.value = keep  # the dock works on as before, bound to the next job's layer
    if method == "richardson_lucy":
        dock.iterations.value = 2
    dock.run_button.clicked()
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=60_000)
    assert [layer.name for layer in viewer.layers][-1].startswith("other · ")
