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
    from napari_inverse import fine_tune, retrieve_phase, segment_focus, super_resolve

    monkeypatch.setattr(chunked_job, "IN_MEMORY_FRACTION", 0.0)
    lazy = da.zeros((3, 64, 64), chunks=(1, 64, 64), dtype=np.float32)
    for verb in (denoise, segment_focus, retrieve_phase, super_resolve):
        assert chunked_job.runs_in_chunks(verb, lazy)
    assert not chunked_job.runs_in_chunks(fine_tune, lazy)
    assert not chunked_job.runs_in_chunks(denoise, np.zeros((3, 64, 64), np.float32))


@pytest.mark.gui
@pytest.mark.usefixtures("single_thread")
def test_the_focus_dock_on_a_large_layer_equals_the_verb_in_memory(tmp_path, monkeypatch,
                                                                    open_dock, qtbot):
    """Focus goes chunk by chunk one stack at a time; its depth and all-in-focus maps too."""
    from napari_inverse import Optics, segment_focus
    from napari_inverse.simulate import focal_stack

    optics = Optics(na=0.5, wavelength_nm=520, pixel_size_nm=325, refractive_index=1.0,
                    z_step_nm=1000)
    stacks = np.stack([focal_stack((64, 64), optics, n_planes=6, scene="surface", photons=500,
                                   psf_model="born_wolf", seed=seed).stack
                       for seed in (2, 3)]).astype(np.float32)
    path = tmp_path / "stacks.ome.zarr"
    create_ome_zarr(path, stacks.shape, "TZYX", {"Z": 1000.0, "Y": 325.0, "X": 325.0},
                    (1, 1, 64, 64))[:] = stacks
    monkeypatch.setattr(chunked_job, "IN_MEMORY_FRACTION", 0.0)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    viewer, dock = open_dock(widget="Focus")
    source, = viewer.open(path, plugin="napari-inverse")
    dock.image.value = source
    dock.z_step_nm.value, dock.na.value, dock.wavelength_nm.value = 1000, 0.5, 520
    dock.refractive_index.value, dock.rule.value = 1.0, "depth_of_field"
    run_and_wait(qtbot, dock, timeout=120_000)
    in_memory = segment_focus(stacks, axes="TZYX", optics=optics, device="cpu")
    labels = viewer.layers["stacks · in focus"]
    assert labels.metadata["napari_inverse"]["chunks"] == 2  # one whole stack per time point
    np.testing.assert_array_equal(np.asarray(labels.data), in_memory.image)
    np.testing.assert_array_equal(np.asarray(viewer.layers["stacks · depth"].data),
                                  in_memory.extras["depth_nm"])
