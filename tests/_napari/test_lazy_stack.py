"""A large stack opens through the plugin's reader as a dask layer, and a dock processes it."""
from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
import tifffile

from napari_inverse import denoise
from napari_inverse._napari.reader import read_layers
from napari_inverse.io import tiff_pixels

from .test_deconvolve_dock import run_and_wait

SCALE = (0.2, 0.065, 0.065)  # µm: z step 200 nm, pixels 65 nm


def write_stack(path, shape, **options) -> np.ndarray:
    """A Poisson-noisy uint16 ZYX stack calibrated like an ImageJ hyperstack, also returned."""
    stack = np.random.default_rng(0).poisson(100, shape).astype(np.uint16)
    tifffile.imwrite(path, stack, imagej=True, resolution=(1 / SCALE[2], 1 / SCALE[1]),
                     metadata={"axes": "ZYX", "unit": "um", "spacing": SCALE[0]}, **options)
    return stack


@pytest.mark.parametrize("compression", [None, "zlib"])
def test_a_stack_above_the_threshold_becomes_a_dask_layer_with_its_scale(
        tmp_path, monkeypatch, compression):
    path = tmp_path / "stack.tif"
    stack = write_stack(path, (16, 1024, 1024), compression=compression,  # 32 MiB
                        compressionargs={"level": 1} if compression else None)
    monkeypatch.setattr(tiff_pixels, "LAZY_BYTES", 16 * 2**20)
    (data, kwargs, kind), = read_layers(path)
    assert isinstance(data, da.Array) and data.chunksize == (1, 1024, 1024)
    assert kind == "image"
    np.testing.assert_allclose(kwargs["scale"], SCALE)
    np.testing.assert_array_equal(data[7].compute(), stack[7])


@pytest.mark.gui
@pytest.mark.usefixtures("single_thread")
def test_denoise_dock_processes_a_lazily_opened_stack(tmp_path, monkeypatch, open_dock, qtbot):
    path = tmp_path / "stack.tif"
    stack = write_stack(path, (4, 256, 256), compression="zlib")
    monkeypatch.setattr(tiff_pixels, "LAZY_BYTES", 0)
    viewer, dock = open_dock(widget="Denoise")
    source, = viewer.open(path, plugin="napari-inverse")
    assert isinstance(source.data, da.Array)
    dock.image.value = source
    run_and_wait(qtbot, dock, timeout=120_000)
    result = viewer.layers["stack · care-denoise"]
    assert isinstance(result.data, np.ndarray) and result.data.shape == stack.shape
    np.testing.assert_allclose(result.scale, SCALE)
    assert result.metadata["napari_inverse"]["spatial_axes"] == "YX"
    in_memory = denoise(stack[2], "care", axes="YX", device="cpu")
    np.testing.assert_allclose(result.data[2], in_memory.image, rtol=1e-5, atol=1e-3)
