"""The demo opens the sample with the Deconvolve dock ready on the simulated image."""
from __future__ import annotations

import pytest

from napari_inverse._napari.demo import IMAGE_LAYER, prepare_demo

pytestmark = pytest.mark.gui


def test_demo_docks_deconvolve_on_the_sample(make_napari_viewer):
    viewer = make_napari_viewer()
    dock = prepare_demo(viewer)
    assert dock.image.value is viewer.layers[IMAGE_LAYER]
    assert dock.pixel_size_nm.value == pytest.approx(65)
    assert dock.na.value == pytest.approx(1.4)
