"""The TIFF reader and OME-TIFF writer keep the physical scale through napari and back."""
from __future__ import annotations

import numpy as np
import pytest
import tifffile

from napari_inverse._napari.reader import get_reader
from napari_inverse._napari.writer import write_image


def test_reader_claims_only_single_tiff_paths(tmp_path):
    assert get_reader(str(tmp_path / "a.TIF")) is not None
    assert get_reader(str(tmp_path / "a.png")) is None
    assert get_reader([str(tmp_path / "a.tif"), str(tmp_path / "b.tif")]) is None


def test_channels_become_layers_with_spatial_scale(tmp_path):
    path = tmp_path / "cells.ome.tif"
    data = np.arange(2 * 3 * 8 * 8, dtype=np.uint16).reshape(3, 2, 8, 8)
    tifffile.imwrite(path, data, ome=True, metadata={
        "axes": "ZCYX", "PhysicalSizeX": 0.1, "PhysicalSizeY": 0.1, "PhysicalSizeZ": 0.3,
    })
    [(layer_data, kwargs, kind)] = get_reader(str(path))(str(path))
    assert kind == "image" and layer_data.shape == data.shape
    assert kwargs["channel_axis"] == 1
    assert kwargs["scale"] == pytest.approx((0.3, 0.1, 0.1))
    assert kwargs["metadata"]["axes"] == "ZYX"
    assert kwargs["metadata"]["pixel_size_nm"] == pytest.approx({"X": 100, "Y": 100, "Z": 300})


def test_writer_keeps_optics_for_the_next_reader(tmp_path):
    path = str(tmp_path / "result.ome.tif")
    optics = {"na": 1.2, "wavelength_nm": 600.0, "refractive_index": 1.33}
    write_image(path, np.ones((8, 8), np.float32),
                {"scale": (0.05, 0.05), "metadata": {"optics": optics}, "rgb": False})
    [(_, kwargs, _)] = get_reader(path)(path)
    assert kwargs["metadata"]["optics"] == optics
    assert kwargs["scale"] == pytest.approx((0.05, 0.05))


@pytest.mark.gui
def test_round_trip_through_the_viewer_keeps_the_scale(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    data = np.random.default_rng(0).random((4, 16, 16)).astype(np.float32)
    viewer.add_image(data, name="stack", scale=(0.2, 0.065, 0.065))
    path = str(tmp_path / "stack.ome.tif")
    viewer.layers.save(path, plugin="napari-inverse")
    [reopened] = viewer.open(path, plugin="napari-inverse")
    assert reopened.name.startswith("stack")
    np.testing.assert_allclose(reopened.scale, (0.2, 0.065, 0.065))
    np.testing.assert_array_equal(reopened.data, data)
    assert reopened.metadata["pixel_size_nm"] == pytest.approx({"X": 65, "Y": 65, "Z": 200})


@pytest.mark.gui
def test_opening_a_corrupt_tiff_in_the_viewer_opens_nothing_and_raises_nothing(
        make_napari_viewer, scrambled_tiff, monkeypatch):
    from napari.utils import notifications

    shown = []
    monkeypatch.setattr(notifications, "show_error", shown.append)
    path = scrambled_tiff
    viewer = make_napari_viewer()
    assert viewer.open(str(path), plugin="napari-inverse") == []
    assert len(viewer.layers) == 0 and "scrambled.tif" in shown[0]
