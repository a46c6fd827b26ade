"""Preview on the current view: the crop the camera shows, and the verb run on it only."""
from __future__ import annotations

import numpy as np
import pytest

from napari_inverse import deconvolve
from napari_inverse._napari.preview import MIN_SIDE, visible_crop
from napari_inverse.optics import Optics

SCALE = (0.065, 0.065)
TRANSLATE = (1.0, 2.0)


def test_crop_follows_scale_and_translate():
    # world 2.0–4.0 in Y is data 20–40 with scale 0.1 and translate 0
    assert visible_crop((2.0, 12.0), (8.5, 18.5), (0.1, 0.1), (0.0, 10.0), (512, 512),
                        min_side=10) == (slice(20, 86), slice(20, 86))


def test_crop_is_clipped_at_the_borders():
    assert visible_crop((-5.0, 400.0), (30.0, 700.0), (1.0, 1.0), (0.0, 0.0), (512, 512),
                        min_side=10) == (slice(0, 31), slice(400, 512))


def test_crop_grows_to_the_least_side_within_the_data():
    # a 10-pixel view in the corner grows to MIN_SIDE, shifted inside the image
    assert visible_crop((0.0, 500.0), (10.0, 510.0), (1.0, 1.0), (0.0, 0.0), (512, 512)) == (
        slice(0, MIN_SIDE), slice(512 - MIN_SIDE, 512))
    # an axis shorter than MIN_SIDE is taken whole
    assert visible_crop((0.0, 0.0), (5.0, 5.0), (1.0, 1.0), (0.0, 0.0), (20, 512)) == (
        slice(0, 20), slice(0, MIN_SIDE))


@pytest.mark.gui
def test_preview_runs_the_verb_on_the_visible_corner_only(open_dock, qtbot):
    viewer, dock = open_dock()
    image = np.random.default_rng(0).random((512, 512)).astype(np.float32)
    source = viewer.add_image(image, name="cells", scale=SCALE, translate=TRANSLATE)
    dock.image.value = source
    dock.method.value = "richardson_lucy"
    dock.iterations.value = 5
    # look at the top-left corner: a box about 100 pixels a side around data (50, 60)
    viewer.scene.camera.center = (TRANSLATE[0] + 50 * SCALE[0], TRANSLATE[1] + 60 * SCALE[1])
    viewer.scene.camera.zoom = max(viewer.canvas.viewbox_size(viewer.layers)) / (100 * SCALE[0])
    dock.preview_button.clicked()
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=30_000)

    preview = viewer.layers["cells · richardson_lucy (preview)"]
    height, width = preview.data.shape
    assert MIN_SIDE <= min(height, width) and max(height, width) <= 102  # what the canvas shows
    origin = (np.asarray(preview.translate) - TRANSLATE) / SCALE
    np.testing.assert_allclose(origin, np.round(origin), atol=1e-6)
    top, left = np.round(origin).astype(int)
    assert top <= 50 < top + height and left <= 60 < left + width  # the camera's centre
    assert top + height < 512 and left + width < 512  # the far corner is not computed
    np.testing.assert_allclose(preview.scale, SCALE)
    crop = image[top:top + height, left:left + width]
    expected = deconvolve(crop, "richardson_lucy", axes="YX", iterations=5,
                          optics=Optics(na=dock.na.value, wavelength_nm=dock.wavelength_nm.value,
                                        pixel_size_nm=dock.pixel_size_nm.value,
                                        refractive_index=dock.refractive_index.value))
    np.testing.assert_allclose(preview.data, expected.image, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(source.data, image)
    assert "cells · richardson_lucy" not in viewer.layers  # a preview, not the full result

    dock.preview_button.clicked()  # a second preview replaces the first
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=30_000)
    assert [layer.name for layer in viewer.layers] == ["cells", preview.name]


@pytest.mark.gui
def test_preview_of_a_stack_is_its_current_plane(open_dock, qtbot):
    viewer, dock = open_dock(widget="Denoise")
    stack = np.random.default_rng(1).random((4, 96, 96)).astype(np.float32)
    source = viewer.add_image(stack, name="stack", scale=(0.3, *SCALE))
    dock.image.value = source
    viewer.dims.set_current_step(0, 2)
    dock.preview_button.clicked()
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=60_000)
    preview = next(layer for layer in viewer.layers if layer.name.endswith("(preview)"))
    assert preview.data.shape[0] == 1
    np.testing.assert_allclose(preview.translate[0], 2 * 0.3)
