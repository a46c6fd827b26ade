"""A TIFF's pixel size reaches the docks whichever reader opened it, and the offer to make
napari-inverse napari's TIFF reader is asked once, with consent, in real viewers."""
from __future__ import annotations

import numpy as np
import pytest

from napari_inverse._napari.settings import load_settings
from napari_inverse.io import write_ome_tiff

pytestmark = pytest.mark.gui

READERS = ("napari", "napari-inverse")


@pytest.fixture
def cells(tmp_path):
    """An OME-TIFF Z stack stating 60 nm pixels and 250 nm between planes."""
    data = np.random.default_rng(0).random((3, 40, 48)).astype(np.float32)
    return write_ome_tiff(tmp_path / "cells.ome.tif", data, "ZYX",
                          {"X": 60.0, "Y": 60.0, "Z": 250.0})


def open_with(open_dock, make_napari_viewer, path, reader, widget="Deconvolve"):
    viewer = make_napari_viewer()
    (layer,) = viewer.open(path, plugin=reader)
    assert layer.source.reader_plugin == reader
    _, dock = open_dock(viewer, widget)
    dock.image.value = layer
    return viewer, dock, layer


def offered(dock) -> bool:
    """Whether the dock shows the reader question (the viewer itself is never shown)."""
    return not dock.reader_offer.native.isHidden()


@pytest.mark.parametrize("reader", READERS)
def test_the_dock_prefills_the_files_pixel_size_whichever_reader_opened_it(
        open_dock, make_napari_viewer, cells, reader):
    viewer, dock, layer = open_with(open_dock, make_napari_viewer, cells, reader)
    if reader == "napari":
        assert tuple(layer.scale) == (1.0, 1.0, 1.0)  # what napari's reader gives
    assert dock.pixel_size_nm.value == pytest.approx(60.0)
    assert dock.pixel_size_nm.label == "pixel size (nm) from the file"
    assert str(cells) in dock.pixel_size_nm.tooltip
    dock.method.value = "richardson_lucy"  # the file's Z axis and step reach the 3-D fields
    assert not dock.three_d.native.isHidden()
    assert dock.z_step_nm.value == pytest.approx(250.0)
    assert dock.models.pixel_check.warning.value == ""
    assert offered(dock) == (reader == "napari")


def test_a_scale_set_on_the_layer_wins_over_the_file(open_dock, make_napari_viewer, cells):
    _, dock, layer = open_with(open_dock, make_napari_viewer, cells, "napari")
    layer.scale = (0.2, 0.08, 0.08)
    dock._prefill()
    assert dock.pixel_size_nm.value == pytest.approx(80.0)
    assert dock.pixel_size_nm.label == "pixel size (nm) from the layer scale"
    assert not offered(dock)  # nothing was lost


def test_a_file_without_calibration_is_still_flagged(open_dock, make_napari_viewer, tmp_path):
    path = write_ome_tiff(tmp_path / "plain.ome.tif", np.zeros((32, 32), np.float32), "YX", {})
    _, dock, _ = open_with(open_dock, make_napari_viewer, path, "napari")
    assert dock.pixel_size_nm.label == "pixel size (nm) ⚠ not in the file"
    assert not offered(dock)  # the plugin's reader would find nothing either


def test_accepting_the_offer_makes_napari_inverse_the_tiff_reader(
        open_dock, make_napari_viewer, cells, napari_settings, notifications):
    viewer, dock, _ = open_with(open_dock, make_napari_viewer, cells, "napari", "Denoise")
    assert offered(dock) and "'cells.ome' was opened by" in dock.reader_offer.question.value
    assert napari_settings.plugins.extension2reader == {}  # nothing set before consent
    dock.reader_offer.accept_button.clicked.emit()
    assert napari_settings.plugins.extension2reader == {
        "*.tif": "napari-inverse", "*.tiff": "napari-inverse"}
    assert not offered(dock)
    assert any("Preferences → Plugins" in message for _, message in notifications)
    assert load_settings("tiff_reader") == {"answer": "accepted"}
    (layer,) = viewer.open(cells, plugin=None)  # napari now follows the preference
    assert layer.source.reader_plugin == "napari-inverse"
    assert layer.scale[-1] == pytest.approx(0.06)


def test_declining_leaves_napari_alone_and_is_not_asked_again(
        open_dock, make_napari_viewer, cells, napari_settings):
    viewer, dock, _ = open_with(open_dock, make_napari_viewer, cells, "napari")
    dock.reader_offer.decline_button.clicked.emit()
    assert not offered(dock)
    assert napari_settings.plugins.extension2reader == {}
    assert load_settings("tiff_reader") == {"answer": "declined"}
    (again,) = viewer.open(cells, plugin="napari")
    _, other = open_dock(viewer, "Denoise")
    other.image.value = again
    assert not offered(other)
    assert other.pixel_size_nm.value == pytest.approx(60.0)  # the file is still read


def test_a_reader_chosen_before_is_respected(open_dock, make_napari_viewer, cells,
                                             napari_settings):
    napari_settings.plugins.extension2reader = {"*.tif": "napari"}
    _, dock, _ = open_with(open_dock, make_napari_viewer, cells, "napari")
    assert not offered(dock)
    assert dock.pixel_size_nm.value == pytest.approx(60.0)
