"""OME-Zarr in napari: opened lazily with its pixel size (every level of a pyramid), and a dock
run on a layer too large for memory goes chunk by chunk into a lazily read result."""
from __future__ import annotations

import tempfile

import dask.array as da
import numpy as np
import pytest
import zarr

from napari_inverse import denoise
from napari_inverse._napari import chunked_job
from napari_inverse._napari.reader import get_reader, read_layers
from napari_inverse.io import create_ome_zarr

from .test_deconvolve_dock import run_and_wait


def write_stack(path) -> np.ndarray:
    """A Poisson-noisy 2 × 128 × 160 time-lapse with 65 nm pixels, also returned."""
    stack = np.random.default_rng(0).poisson(100, (2, 128, 160)).astype(np.float32)
    create_ome_zarr(path, stack.shape, "TYX", {"Y": 65.0, "X": 65.0}, (1, 64, 64))[:] = stack
    return stack


@pytest.mark.filterwarnings("ignore:Call to deprecated class Scaler")  # ome-zarr's own
def test_an_ome_zarr_opens_lazily_with_its_scale_and_every_level(tmp_path):
    from ome_zarr.writer import write_image

    assert get_reader(str(tmp_path / "a.ome.zarr")) is read_layers
    stack_path = tmp_path / "stack.ome.zarr"
    write_stack(stack_path)
    (data, kwargs, kind), = read_layers(str(stack_path))
    assert isinstance(data, da.Array) and kwargs["name"] == "stack"
    assert kwargs["scale"] == pytest.approx((1.0, 0.065, 0.065)) and not kwargs["multiscale"]
    pyramid = tmp_path / "pyramid.ome.zarr"
    write_image(np.zeros((128, 128), np.float32), zarr.open_group(str(pyramid), mode="w"),
                axes="yx", axes_units={"y": "nanometer", "x": "nanometer"},
                scale={"y": 100.0, "x": 100.0}, scale_factors=(2,))
    (levels, kwargs, _), = read_layers(str(pyramid))
    assert kwargs["multiscale"] and [level.shape for level in levels] == [(128, 128), (64, 64)]
    assert kwargs["scale"] == pytest.approx((0.1, 0.1))


@pytest.mark.gui
@pytest.mark.usefixtures("single_thread")
def test_a_dock_runs_a_layer_larger_than_memory_chunk_by_chunk(tmp_path, monkeypatch, open_dock,
                                                                qtbot):
    stack = write_stack(tmp_path / "stack.ome.zarr")
    monkeypatch.setattr(chunked_job, "IN_MEMORY_FRACTION", 0.0)  # every lazy layer is "large"
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the chunked result's folder
    viewer, dock = open_dock(widget="Denoise")
    source, = viewer.open(tmp_path / "stack.ome.zarr", plugin="napari-inverse")
    dock.image.value = source
    run_and_wait(qtbot, dock, timeout=120_000)
    result = viewer.layers["stack · care-denoise"]
    assert isinstance(result.data, da.Array)  # read from the chunked OME-Zarr, not held whole
    assert result.metadata["napari_inverse"]["chunks"] == 2  # one 1024-pixel chunk per plane
    np.testing.assert_allclose(result.scale, (1.0, 0.065, 0.065))
    in_memory = denoise(stack, "care", axes="TYX", device="cpu").image
    assert np.abs(np.asarray(result.data) - in_memory).max() < 1e-5 * np.ptp(in_memory)


def test_only_a_verb_the_dask_face_knows_goes_chunk_by_chunk(monkeypatch):
    """Phase and focus have no chunked entry yet: their docks keep the in-memory path."""
    from napari_inverse import retrieve_phase, segment_focus

    monkeypatch.setattr(chunked_job, "IN_MEMORY_FRACTION", 0.0)
    lazy = da.zeros((3, 64, 64), chunks=(1, 64, 64), dtype=np.float32)
    assert chunked_job.runs_in_chunks(denoise, lazy)
    assert not chunked_job.runs_in_chunks(segment_focus, lazy)
    assert not chunked_job.runs_in_chunks(retrieve_phase, lazy)
    assert not chunked_job.runs_in_chunks(denoise, np.zeros((3, 64, 64), np.float32))
