"""OME-Zarr in and out: axes and pixel sizes survive, levels open lazily, bad folders refused."""
from __future__ import annotations

import numpy as np
import pytest
import zarr

from napari_inverse.engine import InvalidInput
from napari_inverse.io import (create_ome_zarr, is_ome_zarr_path, read_image, read_ome_zarr,
                               read_ome_zarr_levels)


def test_created_image_reads_back_with_its_axes_and_pixel_sizes(tmp_path):
    path = tmp_path / "stack.ome.zarr"
    stored = create_ome_zarr(path, (3, 5, 40, 48), "TZYX", {"Z": 200.0, "Y": 65.0, "X": 65.0},
                             (1, 5, 16, 16), {"method": "rl"})
    stored[1, 2] = np.arange(40 * 48, dtype=np.float32).reshape(40, 48)
    image = read_image(path)
    assert image.axes == "TZYX"
    assert image.pixel_size_nm == pytest.approx({"Z": 200.0, "Y": 65.0, "X": 65.0})
    assert hasattr(image.data, "dask")  # lazy
    assert image.data.chunks[2] == (16, 16, 8)
    np.testing.assert_array_equal(np.asarray(image.data[1, 2]), stored[1, 2])
    assert zarr.open_group(str(path)).attrs["napari_inverse"] == {"method": "rl"}


@pytest.mark.filterwarnings("ignore:Call to deprecated class Scaler")  # ome-zarr's own
def test_every_level_of_a_pyramid_written_by_ome_zarr_opens_largest_first(tmp_path):
    from ome_zarr.writer import write_image

    path = tmp_path / "pyramid.ome.zarr"
    data = np.random.default_rng(0).random((64, 64)).astype(np.float32)
    write_image(data, zarr.open_group(str(path), mode="w"), axes="yx",
                scale={"y": 0.1, "x": 0.1}, scale_factors=(2, 4))
    levels = read_ome_zarr_levels(path)
    assert [level.shape for level in levels] == [(64, 64), (32, 32), (16, 16)]
    assert read_ome_zarr(path).pixel_size_nm == {}  # no unit: not calibrated
    assert read_ome_zarr(path).metadata["levels"] == 3


def test_a_folder_without_ome_metadata_is_refused_with_the_fix(tmp_path):
    zarr.open_group(str(tmp_path / "plain.zarr"), mode="w").create_array(
        "0", shape=(8, 8), dtype="f4")
    with pytest.raises(InvalidInput, match="no OME-Zarr image"):
        read_ome_zarr(tmp_path / "plain.zarr")
    with pytest.raises(FileNotFoundError):
        read_ome_zarr(tmp_path / "missing.ome.zarr")


def test_ome_zarr_paths_are_told_by_their_suffix():
    assert is_ome_zarr_path("a/b.ome.zarr/") and is_ome_zarr_path("B.ZARR")
    assert not is_ome_zarr_path("b.ome.tif")
