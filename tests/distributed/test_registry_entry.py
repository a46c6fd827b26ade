"""A verb joins the chunked face with one registry entry, even when its outputs are on another
grid: an upsampled image (super-resolution) and a map that collapses Z (focus)."""
from __future__ import annotations

import numpy as np
import pytest

from napari_inverse.distributed import CHUNKED_VERBS, run_chunked
from napari_inverse.distributed.chunked_method import ChunkedMethod, OutputGrid
from napari_inverse.io import read_ome_zarr


def _prepare(shape, axes, options) -> ChunkedMethod:
    return ChunkedMethod(spatial_axes="ZYX", halo=(0, 2, 2), restore=_restore, settings={},
                         metadata={"method": "toy"},
                         outputs={"image": OutputGrid(zoom=2), "projection": OutputGrid(drops="Z")})


def _restore(block, method, statistic, device, cancel, key) -> dict[str, np.ndarray]:
    return {"image": block.repeat(2, axis=1).repeat(2, axis=2), "projection": block.max(axis=0)}


def test_outputs_on_their_own_grids_are_written_chunk_by_chunk(monkeypatch, tmp_path):
    monkeypatch.setitem(CHUNKED_VERBS, "toy", _prepare)
    stack = np.random.default_rng(0).random((2, 3, 40, 50)).astype(np.float32)
    run = run_chunked("toy", stack, tmp_path / "toy.ome.zarr", axes="TZYX", chunk=16,
                      pixel_size_nm={"Z": 300.0, "Y": 100.0, "X": 100.0})
    assert run.chunks == 2 * 3 * 4
    image = read_ome_zarr(tmp_path / "toy.ome.zarr")
    assert image.axes == "TZYX" and image.data.shape == (2, 3, 80, 100)
    assert image.pixel_size_nm == pytest.approx({"Z": 300.0, "Y": 50.0, "X": 50.0})
    np.testing.assert_array_equal(image.data, stack.repeat(2, axis=2).repeat(2, axis=3))
    projection = read_ome_zarr(tmp_path / "toy.ome.zarr" / "projection")
    assert projection.axes == "TYX" and projection.pixel_size_nm == {"Y": 100.0, "X": 100.0}
    np.testing.assert_array_equal(projection.data, stack.max(axis=1))
