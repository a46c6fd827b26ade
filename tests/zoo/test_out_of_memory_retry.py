"""An out-of-memory error during a learned restoration reruns the block with smaller tiles.

The CPU cannot run out of memory on cue, so the model's ``predict`` raises
``torch.OutOfMemoryError`` for regions larger than a size, as CUDA does for a tile too big.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_inverse import InvalidInput, SmallerTilesWarning, denoise
from napari_inverse.simulate.pairs import deconvolution_pair
from napari_inverse.zoo import inference, load_model
from napari_inverse.zoo.registry import LoadedModel

pytestmark = pytest.mark.usefixtures("single_thread")
TOLERANCE = 1e-3  # CARE's tiled vs whole (tests/zoo/test_inference_tiling.py)


@pytest.fixture(scope="module")
def image():
    return deconvolution_pair(3, (236, 230), "nuclei").input


def fails_above(monkeypatch, side: int) -> None:
    """Every model's predict raises CUDA's out-of-memory error on regions wider than ``side``."""
    predict = LoadedModel.predict

    def predict_or_fail(self, x, dtype=torch.float32):
        if max(x.shape[-2:]) > side:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
        return predict(self, x, dtype)

    monkeypatch.setattr(LoadedModel, "predict", predict_or_fail)


def test_smaller_tiles_give_the_whole_images_result_and_say_so(image, monkeypatch):
    model = load_model("care-widefield")
    whole, _ = inference.apply_model(model, image)
    fails_above(monkeypatch, 200)  # one 236 × 230 tile fails; 2 × 2 tiles (limit 128) pass
    tiles = inference.TileLimit(2)
    with pytest.warns(SmallerTilesWarning, match="smaller tiles") as caught:
        tiled, _ = inference.apply_model(model, image, tiles=tiles)
    assert len(caught) == 1
    assert tiles.retries == 1 and tiles.limit == (128, 128)
    assert np.abs(tiled - whole).max() / np.ptp(whole) < TOLERANCE


def test_the_verb_records_the_retries_and_progress_ends_at_its_total(image, monkeypatch):
    stack = np.stack([image, image[::-1]])  # the second plane starts with the smaller tiles
    plain = denoise(stack, "care", model="care-denoise")
    fails_above(monkeypatch, 200)
    calls = []
    with pytest.warns(SmallerTilesWarning):
        result = denoise(stack, "care", model="care-denoise",
                         progress=lambda done, total, _: calls.append((done, total)))
    assert result.metadata["out_of_memory_retries"] == 1
    assert result.metadata["tile_limit"] == [128, 128]
    assert plain.metadata["out_of_memory_retries"] == 0
    assert np.abs(result.image - plain.image).max() / np.ptp(plain.image) < TOLERANCE
    assert all(done <= total for done, total in calls)
    assert calls[-1] == (8, 8)  # 2 × 2 tiles on each plane, not the plan's one per plane


def test_out_of_memory_at_the_smallest_tiles_says_what_to_do(image, monkeypatch):
    fails_above(monkeypatch, 100)
    with pytest.warns(SmallerTilesWarning), \
            pytest.raises(InvalidInput, match="device='cpu', a smaller image"):
        denoise(image, "care", model="care-denoise")
