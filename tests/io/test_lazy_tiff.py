"""Large TIFFs open as dask arrays read one plane at a time, equal to what an eager read gives."""
import dask.array as da
import numpy as np
import pytest
import tifffile

from napari_inverse.io import read_tiff, tiff_pixels

STACK = np.random.default_rng(0).integers(0, 4000, (2, 3, 24, 40), dtype=np.uint16)
LAYOUTS = {  # every way the planes of a series can lie in a file
    "imagej hyperstack": dict(imagej=True, metadata={"axes": "TZYX"}),
    "imagej deflate": dict(imagej=True, metadata={"axes": "TZYX"}, compression="zlib"),
    "ome deflate": dict(metadata={"axes": "TZYX"}, compression="zlib"),
    "big-endian": dict(byteorder=">", photometric="minisblack"),
    "tiled deflate": dict(compression="zlib", tile=(16, 16), photometric="minisblack"),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_lazy_read_equals_the_eager_read(tmp_path, layout):
    path = tmp_path / ("stack.ome.tif" if layout.startswith("ome") else "stack.tif")
    tifffile.imwrite(path, STACK, **LAYOUTS[layout])
    eager, lazy = read_tiff(path, lazy=False), read_tiff(path, lazy=True)
    assert isinstance(eager.data, np.ndarray) and isinstance(lazy.data, da.Array)
    assert (lazy.axes, lazy.data.dtype) == (eager.axes, eager.data.dtype)
    np.testing.assert_array_equal(lazy.data.compute(), eager.data)


def test_rgb_planes_keep_their_samples(tmp_path):
    path = tmp_path / "rgb.tif"
    rgb = np.random.default_rng(1).integers(0, 255, (3, 16, 20, 3), dtype=np.uint8)
    tifffile.imwrite(path, rgb, photometric="rgb")
    lazy = read_tiff(path, lazy=True)
    assert lazy.axes == "TYXS"
    np.testing.assert_array_equal(lazy.data[1].compute(), rgb[1])


def test_only_the_planes_asked_for_are_read(tmp_path, monkeypatch):
    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, STACK, imagej=True, metadata={"axes": "TZYX"}, compression="zlib")
    read = []
    plane = tiff_pixels._PlaneReader.plane
    monkeypatch.setattr(tiff_pixels._PlaneReader, "plane",
                        lambda self, index: read.append(index) or plane(self, index))
    image = read_tiff(path, lazy=True)
    assert read == []
    np.testing.assert_array_equal(image.data[1, 2].compute(), STACK[1, 2])
    assert read == [5]


def test_above_the_threshold_a_stack_opens_lazily_without_reading_it(tmp_path):
    # 64 × 2048 × 2048 uint16 (512 MiB) written as a sparse file: no pixel data on disk
    path = tmp_path / "big.tif"
    tifffile.imwrite(path, shape=(64, 2048, 2048), dtype=np.uint16, imagej=True,
                     resolution=(1 / 0.065, 1 / 0.065),
                     metadata={"axes": "ZYX", "unit": "um", "spacing": 0.2})
    image = read_tiff(path)
    assert isinstance(image.data, da.Array)
    assert image.data.shape == (64, 2048, 2048) and image.data.chunksize == (1, 2048, 2048)
    assert image.pixel_size_nm == pytest.approx({"X": 65.0, "Y": 65.0, "Z": 200.0})
    assert not image.data[63].compute().any()


def test_below_the_threshold_a_file_is_read_into_memory(tmp_path, monkeypatch):
    path = tmp_path / "small.tif"
    tifffile.imwrite(path, STACK, imagej=True, metadata={"axes": "TZYX"})
    assert isinstance(read_tiff(path).data, np.ndarray)
    monkeypatch.setattr(tiff_pixels, "LAZY_BYTES", STACK.nbytes - 1)
    assert isinstance(read_tiff(path).data, da.Array)
