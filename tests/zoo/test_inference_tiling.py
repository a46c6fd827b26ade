"""Tiled learned inference equals whole-image inference: tiles sit on the image's sampling grid.

m-rBCR subsamples with x[::4, ::4] and the U-Nets pool by 4, so a tile read from an offset that
is not a multiple of 4 sees other pixels at the coarse scales; the read regions are aligned.
"""
from __future__ import annotations

import numpy as np
import pytest

from napari_inverse.simulate.pairs import deconvolution_pair
from napari_inverse.zoo import inference, load_model

pytestmark = pytest.mark.usefixtures("single_thread")

# measured on stardist's img2d (500², 200² tiles): max |tiled - whole| with the 32-pixel halo is
# 0.4 % of the output range for m-rBCR (its quarter-scale path reaches furthest), 0.002 % for CARE
TOLERANCE = {"mrbcr-widefield": 1e-2, "srbcr-widefield": 1e-4, "care-widefield": 1e-3}


@pytest.fixture(scope="module")
def image():
    return deconvolution_pair(3, (236, 230), "nuclei").input


@pytest.mark.parametrize("name", sorted(TOLERANCE))
def test_tiles_reproduce_the_whole_image(name, image, monkeypatch):
    model = load_model(name)
    whole, _ = inference.apply_model(model, image)
    monkeypatch.setattr(inference, "TILE_2D", (90, 90))  # 3 x 3 tiles, cores at odd offsets
    assert inference.tile_count(image.shape) == 9
    tiled, _ = inference.apply_model(model, image)
    error = np.abs(tiled - whole).max() / np.ptp(whole)
    assert error < TOLERANCE[name]
