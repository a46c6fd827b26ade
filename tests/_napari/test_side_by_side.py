"""The docks' side-by-side button: the source and its result next to each other, and back."""
from __future__ import annotations

import numpy as np
import pytest

from napari_inverse._napari.side_by_side import BACK, SHOW

pytestmark = pytest.mark.gui


def test_side_by_side_shows_the_pair_in_a_grid_and_back(open_dock, qtbot):
    viewer, dock = open_dock()
    dock.method.value = "richardson_lucy"
    dock.iterations.value = 2
    other = viewer.add_image(np.ones((32, 32), np.float32), name="other")
    hidden = viewer.add_image(np.ones((32, 32), np.float32), name="hidden", visible=False)
    source = viewer.add_image(np.random.default_rng(0).random((32, 32), np.float32), name="cells")
    dock.image.value = source
    assert not dock.side_by_side.enabled  # nothing to compare before a result
    dock.run_button.clicked()
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=30_000)
    result = viewer.layers["cells · richardson_lucy"]
    assert dock.side_by_side.enabled and not viewer.canvas.grid.enabled

    dock.side_by_side.native.click()
    grid = viewer.canvas.grid
    assert grid.enabled and grid.shape == (1, 2) and grid.stride == 1
    assert [layer.name for layer in viewer.layers if layer.visible] == ["cells", result.name]
    assert {grid.position(viewer.layers.index(layer), viewer.layers)
            for layer in (source, result)} == {(0, 0), (0, 1)}
    assert dock.side_by_side.text == BACK

    dock.side_by_side.native.click()
    assert not grid.enabled and dock.side_by_side.text == SHOW
    assert other.visible and source.visible and result.visible and not hidden.visible


def test_napari_grid_button_ends_the_view_too(open_dock, qtbot):
    viewer, dock = open_dock()
    dock.method.value = "richardson_lucy"
    dock.iterations.value = 2
    other = viewer.add_image(np.ones((32, 32), np.float32), name="other")
    dock.image.value = viewer.add_image(np.ones((32, 32), np.float32), name="cells")
    dock.run_button.clicked()
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=30_000)
    dock.side_by_side.native.click()
    assert not other.visible
    viewer.canvas.grid.enabled = False  # what napari's own grid toggle does
    assert other.visible and dock.side_by_side.text == SHOW
    viewer.layers.remove("cells")
    dock.side_by_side.native.click()  # the source is gone: nothing to compare, no grid
    assert not viewer.canvas.grid.enabled and not dock.side_by_side.enabled
