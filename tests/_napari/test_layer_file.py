"""The calibration a layer's TIFF states, read for layers whose reader dropped it (no viewer)."""
from __future__ import annotations

import numpy as np
import pytest
import tifffile
from napari.layers import Image
from napari.layers._source import layer_source

from napari_inverse._napari.layer_file import file_calibration
from napari_inverse._napari.layer_optics import optics_from_layer, pixel_size_caption
from napari_inverse.io import write_ome_tiff


def opened_by_napari(path, data, **kwargs) -> Image:
    """A layer as napari's own reader makes it: the file's pixels, scale 1, the path as source."""
    with layer_source(path=str(path), reader_plugin="napari"):
        return Image(data, **kwargs)


def test_a_time_series_keeps_its_t_axis_and_lateral_pixel_size(tmp_path):
    path = tmp_path / "movie.tif"
    data = np.zeros((4, 24, 32), np.uint16)
    tifffile.imwrite(path, data, imagej=True, resolution=(1 / 0.108, 1 / 0.108),
                     metadata={"unit": "um", "axes": "TYX"})
    fields = optics_from_layer(opened_by_napari(path, data))
    assert fields == pytest.approx({"axes": "TYX", "pixel_size_nm": 108.0})


def test_a_layer_whose_data_is_not_the_files_is_not_calibrated_by_it(tmp_path):
    path = write_ome_tiff(tmp_path / "a.ome.tif", np.zeros((24, 32), np.float32), "YX",
                          {"X": 60.0, "Y": 60.0})
    assert file_calibration(opened_by_napari(path, np.zeros((24, 32)))) is not None
    assert file_calibration(opened_by_napari(path, np.zeros((32, 24)))) is None
    layer = opened_by_napari(path, np.zeros((24, 32)))
    layer.units = ("nm", "nm")  # a physical unit with scale 1 is a calibration: 1 nm
    assert file_calibration(layer) is None


def test_a_file_removed_or_damaged_since_leaves_the_layer_uncalibrated(tmp_path, caplog):
    path = write_ome_tiff(tmp_path / "a.ome.tif", np.zeros((24, 32), np.float32), "YX",
                          {"X": 60.0, "Y": 60.0})
    layer = opened_by_napari(path, np.zeros((24, 32)))
    path.write_bytes(b"no longer a tiff")
    assert file_calibration(layer) is None
    assert pixel_size_caption(layer)[0] == "pixel size (nm) ⚠ not in the file"
    path.unlink()
    assert optics_from_layer(layer) == {"axes": "YX"}
    assert "a.ome.tif" in caplog.text


def test_an_rgb_tiff_is_matched_without_its_samples(tmp_path):
    path = write_ome_tiff(tmp_path / "rgb.ome.tif", np.zeros((24, 32, 3), np.uint8), "YXS",
                          {"X": 120.0, "Y": 120.0})
    layer = opened_by_napari(path, np.zeros((24, 32, 3), np.uint8), rgb=True)
    assert optics_from_layer(layer) == pytest.approx({"axes": "YXS", "pixel_size_nm": 120.0})
