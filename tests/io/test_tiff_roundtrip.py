"""Calibration survives every way a microscopy TIFF is written, and bad files get clear errors."""
import numpy as np
import pytest
import tifffile

from napari_inverse.engine import InvalidInput, normalise_axes
from napari_inverse.io import (
    layer_scale,
    optics_from_image_file,
    pixel_size_from_scale,
    read_tiff,
    write_ome_tiff,
)


@pytest.fixture
def stack():
    return np.random.default_rng(0).random((5, 32, 48)).astype(np.float32)


@pytest.mark.parametrize("axes, shape", [
    ("TCZYX", (2, 2, 2, 16, 16)), ("czyx", (2, 2, 16, 16)), ("YXS", (16, 16, 3)),
    ("QYX", (2, 16, 16)), ("ZXY", (2, 16, 16)), ("YYX", (2, 16, 16)), ("ZYX", (16, 16)),
])
def test_the_writer_takes_the_axes_the_verbs_take(tmp_path, axes, shape):
    """One axes alphabet and one check: the same verdict and message from both."""
    def outcome(call):
        try:
            return call()
        except InvalidInput as error:
            return str(error)

    data = np.zeros(shape, dtype=np.uint8)
    written = outcome(
        lambda: read_tiff(write_ome_tiff(tmp_path / "a.ome.tif", data, axes, {})).axes)
    assert written == outcome(lambda: normalise_axes(axes, shape))


def test_imagej_hyperstack_gives_pixel_size_and_z_step_in_nm(tmp_path, stack):
    path = tmp_path / "ij.tif"
    tifffile.imwrite(
        path, stack, imagej=True, resolution=(1 / 0.065, 1 / 0.065),
        metadata={"unit": "um", "spacing": 0.2, "axes": "ZYX"},
    )
    image = read_tiff(path)
    assert image.axes == "ZYX"
    assert image.pixel_size_nm == pytest.approx({"X": 65.0, "Y": 65.0, "Z": 200.0})
    assert image.metadata["format"] == "imagej"
    assert image.metadata["source"] == str(path)
    np.testing.assert_array_equal(image.data, stack)
    assert layer_scale(image) == pytest.approx((0.2, 0.065, 0.065))


@pytest.mark.parametrize("unit, scale", [("micron", 1.0), ("\\u00B5m", 1.0), ("nm", 1e-3)])
def test_imagej_units_are_converted(tmp_path, unit, scale):
    path = tmp_path / "units.tif"
    data = np.zeros((2, 3, 2, 16, 16), np.uint16)
    px = 0.08 / scale
    tifffile.imwrite(path, data, imagej=True, resolution=(1 / px, 1 / px),
                     metadata={"axes": "TZCYX", "unit": unit, "spacing": 0.15 / scale})
    image = read_tiff(path)
    assert image.axes == "TZCYX"
    assert image.pixel_size_nm == pytest.approx({"X": 80.0, "Y": 80.0, "Z": 150.0})


def test_ome_tiff_physical_size_in_default_and_explicit_units(tmp_path, stack):
    path = tmp_path / "a.ome.tif"
    tifffile.imwrite(path, stack, ome=True, metadata={
        "axes": "ZYX", "PhysicalSizeX": 0.065, "PhysicalSizeY": 0.065, "PhysicalSizeZ": 0.3})
    image = read_tiff(path)
    assert image.metadata["format"] == "ome"
    assert image.pixel_size_nm == pytest.approx({"X": 65.0, "Y": 65.0, "Z": 300.0})
    tifffile.imwrite(path, stack[0], ome=True, metadata={
        "axes": "YX", "PhysicalSizeX": 65, "PhysicalSizeXUnit": "nm",
        "PhysicalSizeY": 65, "PhysicalSizeYUnit": "nm"})
    assert read_tiff(path).pixel_size_nm == pytest.approx({"X": 65.0, "Y": 65.0})


def test_our_writer_round_trips_data_pixel_size_and_channel_names(tmp_path):
    data = np.random.default_rng(1).random((2, 4, 24, 24)).astype(np.float32)
    path = tmp_path / "out.ome.tif"
    write_ome_tiff(path, data, "CZYX", {"X": 65.0, "Y": 65.0, "Z": 200.0},
                   {"channel_names": ["GFP", "RFP"], "method": "wiener"})
    image = read_tiff(path)
    assert image.axes == "CZYX"
    assert image.pixel_size_nm == pytest.approx({"X": 65.0, "Y": 65.0, "Z": 200.0})
    assert image.metadata["channel_names"] == ["GFP", "RFP"]
    assert '"method": "wiener"' in image.metadata["description"]
    np.testing.assert_array_equal(image.data, data)
    assert [p.name for p in tmp_path.iterdir()] == ["out.ome.tif"]  # no temporary left behind


def test_plain_tiff_has_no_pixel_size_and_stack_axis_becomes_t(tmp_path, stack):
    path = tmp_path / "plain.tif"
    tifffile.imwrite(path, stack)
    image = read_tiff(path)
    assert image.axes == "TYX"
    assert image.pixel_size_nm == {}
    assert layer_scale(image) == (1.0, 1.0, 1.0)
    with pytest.raises(InvalidInput, match="pixel size"):
        optics_from_image_file(image, na=1.4, wavelength_nm=520)


def test_print_resolution_is_not_taken_for_a_pixel_size(tmp_path, stack):
    path = tmp_path / "dpi.tif"
    dots_per_cm = 300 / 2.54
    tifffile.imwrite(path, stack[0], resolution=(dots_per_cm, dots_per_cm),
                     resolutionunit="CENTIMETER")
    assert read_tiff(path).pixel_size_nm == {}


def test_optics_from_file_and_explicit_values_win(tmp_path, stack):
    path = tmp_path / "ij.tif"
    tifffile.imwrite(path, stack, imagej=True, resolution=(1 / 0.065, 1 / 0.065),
                     metadata={"unit": "um", "spacing": 0.2, "axes": "ZYX"})
    image = read_tiff(path)
    optics = optics_from_image_file(image, na=1.4, wavelength_nm=520)
    assert (optics.pixel_size_nm, optics.z_step_nm) == pytest.approx((65.0, 200.0))
    optics = optics_from_image_file(image, 1.4, 520, pixel_size_nm=100, z_step_nm=300)
    assert (optics.pixel_size_nm, optics.z_step_nm) == (100, 300)


def test_scale_converts_back_to_pixel_size():
    assert pixel_size_from_scale((1.0, 0.2, 0.065, 0.065), "TZYX") == pytest.approx(
        {"Z": 200.0, "Y": 65.0, "X": 65.0})


def test_text_file_is_refused_with_the_file_name_and_a_fix(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not an image\n")
    with pytest.raises(InvalidInput, match=r"notes\.txt.*save it as TIFF"):
        read_tiff(path)


@pytest.mark.parametrize("keep", [0.5, 0.9, 100])
def test_truncated_tiff_is_refused(tmp_path, stack, keep):
    full = tmp_path / "full.tif"
    tifffile.imwrite(full, stack, imagej=True)
    raw = full.read_bytes()
    cut = tmp_path / "cut.tif"
    cut.write_bytes(raw[: int(len(raw) * keep)] if keep < 1 else raw[:keep])
    with pytest.raises(InvalidInput, match=r"cut\.tif"):
        read_tiff(cut)


def test_missing_file_and_six_dimensions(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.tif"):
        read_tiff(tmp_path / "nothere.tif")
    path = tmp_path / "six.tif"
    tifffile.imwrite(path, np.zeros((2, 2, 2, 2, 16, 16), np.float32))
    with pytest.raises(InvalidInput, match="6 dimensions"):
        read_tiff(path)


def test_corrupt_compressed_strip_is_invalid_input_keeping_the_cause(scrambled_tiff):
    path = scrambled_tiff
    with pytest.raises(InvalidInput, match=r"scrambled\.tif.*damaged.*Fiji") as caught:
        read_tiff(path)
    assert caught.value.__cause__ is not None  # the codec's own error, for a bug report


def test_huge_declared_size_is_refused_before_reading(tmp_path, monkeypatch):
    from napari_inverse.engine import memory_budget

    path = tmp_path / "huge.tif"
    tifffile.imwrite(path, np.zeros((64, 64), np.uint16), compression="zlib")
    monkeypatch.setattr(memory_budget, "available_memory_bytes", lambda: 4096)
    with pytest.raises(InvalidInput, match=r"huge\.tif.*needs about"):
        read_tiff(path)


def test_napari_reader_reports_a_corrupt_file_and_opens_nothing(scrambled_tiff, monkeypatch):
    from napari.utils import notifications

    from napari_inverse._napari.reader import get_reader

    shown = []
    monkeypatch.setattr(notifications, "show_error", shown.append)
    path = str(scrambled_tiff)
    assert get_reader(path)(path) == [(None,)]
    assert len(shown) == 1 and "scrambled.tif" in shown[0]


def test_a_tag_that_empties_the_decoded_image_is_invalid_input(tmp_path):
    """BitsPerSample 0: tifffile logs the failure and returns an empty array (found by
    tests/test_reliability_properties.py); reshaping it raised a bare ValueError."""
    import struct

    path = tmp_path / "zero-bits.tif"
    tifffile.imwrite(path, np.arange(256, dtype=np.uint16).reshape(16, 16))
    with tifffile.TiffFile(path) as tif:
        offset = tif.pages[0].tags["BitsPerSample"].valueoffset
    raw = bytearray(path.read_bytes())
    raw[offset:offset + 2] = struct.pack("<H", 0)
    path.write_bytes(bytes(raw))
    with pytest.raises(InvalidInput, match=r"zero-bits\.tif.*(damaged|corrupted)"):
        read_tiff(path)


@pytest.mark.parametrize("compression", [None, "zlib"])
def test_a_height_larger_than_the_stored_strips_is_refused(tmp_path, compression):
    """A damaged ImageLength of 65535 on a 16-row file was read as the 16 rows followed by
    65519 rows of zeros, with no error."""
    import struct

    path = tmp_path / "tall.tif"
    tifffile.imwrite(path, np.arange(256, dtype=np.uint16).reshape(16, 16),
                     compression=compression, rowsperstrip=4)
    with tifffile.TiffFile(path) as tif:
        tag = tif.pages[0].tags["ImageLength"]
        offset, short = tag.valueoffset, tag.dtype == 3
    raw = bytearray(path.read_bytes())
    raw[offset:offset + (2 if short else 4)] = struct.pack("<H" if short else "<I", 65535)
    path.write_bytes(bytes(raw))
    with pytest.raises(InvalidInput, match=r"tall\.tif.*declares .* holds only"):
        read_tiff(path)
