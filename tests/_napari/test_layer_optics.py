"""Optics and axes read from layers: metadata first, then scale in its units or in µm."""
from __future__ import annotations

import numpy as np
import pytest
from napari.layers import Image

from napari_inverse._napari.layer_optics import axes_of, optics_from_layer, pixel_sizes_nm


def test_scale_in_micrometres_gives_pixel_size_and_z_step():
    layer = Image(np.zeros((4, 8, 8)), scale=(0.25, 0.1, 0.1))
    assert optics_from_layer(layer) == pytest.approx(
        {"axes": "ZYX", "pixel_size_nm": 100.0, "z_step_nm": 250.0}
    )


def test_scale_with_physical_units_is_converted():
    layer = Image(np.zeros((8, 8)), scale=(65, 65), units=("nm", "nm"))
    assert optics_from_layer(layer)["pixel_size_nm"] == pytest.approx(65)


def test_uncalibrated_layer_gives_no_pixel_size():
    assert optics_from_layer(Image(np.zeros((8, 8)))) == {"axes": "YX"}


def test_metadata_wins_over_scale_and_carries_optics():
    layer = Image(np.zeros((3, 8, 8)), scale=(1, 0.5, 0.5), metadata={
        "axes": "TYX",
        "pixel_size_nm": {"X": 70.0, "Y": 70.0},
        "optics": {"na": 1.2, "wavelength_nm": 600, "refractive_index": 1.33},
    })
    assert optics_from_layer(layer) == {
        "axes": "TYX", "pixel_size_nm": 70.0, "na": 1.2, "wavelength_nm": 600.0,
        "refractive_index": 1.33,
    }


def test_axes_from_labels_and_rgb():
    assert axes_of({}, ("t", "y", "x"), 3, rgb=False) == "TYX"
    assert axes_of({}, ("-2", "-1"), 2, rgb=True) == "YXS"
    assert axes_of({"axes": "ZYX"}, (), 2, rgb=False) == "YX"  # stale metadata is ignored
    assert axes_of({}, (), 6, rgb=False) is None


def test_pixel_sizes_skip_non_spatial_axes():
    assert pixel_sizes_nm({}, (2.0, 0.2, 0.1, 0.1), None, "TZYX") == pytest.approx(
        {"Z": 200.0, "Y": 100.0, "X": 100.0}
    )
