"""Sample data opens through napari's own menu path as image + ground truth in µm."""
from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.gui


def test_sample_opens_image_and_truth_with_scale(make_napari_viewer):
    viewer = make_napari_viewer()
    viewer.open_sample("napari-inverse", "widefield_filaments")
    assert [layer.name for layer in viewer.layers] == [
        "filaments (widefield)", "filaments (truth)",
    ]
    for layer in viewer.layers:
        np.testing.assert_allclose(layer.scale, (0.065, 0.065))
        assert layer.data.shape == (256, 256)
        assert layer.metadata["optics"]["na"] == 1.4
    image, truth = (layer.data for layer in viewer.layers)
    assert not np.array_equal(image, truth)
