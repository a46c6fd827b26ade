"""A TIFF's header alone gives the axes, shape and calibration that reading it whole gives."""
import numpy as np
import pytest
import tifffile

from napari_inverse.engine import InvalidInput
from napari_inverse.io import read_tiff, read_tiff_header, write_ome_tiff


@pytest.mark.parametrize("kind", ["ome", "imagej", "plain"])
def test_header_agrees_with_the_whole_file(tmp_path, kind):
    path = tmp_path / f"{kind}.tif"
    stack = np.zeros((3, 2, 16, 24), np.uint16)
    if kind == "ome":
        write_ome_tiff(path, stack, "ZCYX", {"X": 60.0, "Y": 60.0, "Z": 250.0})
    elif kind == "imagej":
        tifffile.imwrite(path, stack, imagej=True, resolution=(1 / 0.06, 1 / 0.06),
                         metadata={"unit": "um", "spacing": 0.25, "axes": "ZCYX"})
    else:
        tifffile.imwrite(path, stack)
    header, image = read_tiff_header(path), read_tiff(path)
    assert header.axes == image.axes
    assert header.shape == image.data.shape
    assert header.pixel_size_nm == pytest.approx(image.pixel_size_nm)
    if kind != "plain":
        assert header.pixel_size_nm == pytest.approx({"X": 60.0, "Y": 60.0, "Z": 250.0})


def test_a_file_that_is_no_tiff_is_refused_with_its_name(tmp_path):
    path = tmp_path / "notes.tif"
    path.write_text("not an image")
    with pytest.raises(InvalidInput, match="notes.tif"):
        read_tiff_header(path)


def test_a_file_gone_since_is_an_os_error(tmp_path):
    with pytest.raises(OSError):
        read_tiff_header(tmp_path / "gone.tif")
