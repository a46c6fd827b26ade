"""A file the command cannot read ends the command with status 2 and one line naming the file
and the problem, whatever raised it: the reader, the decoder or the operating system."""
import errno
import importlib.util
import logging
import os
import struct

import numpy as np
import pytest
import tifffile

import napari_inverse.methods
from napari_inverse.cli import main

OPTICS = ["--na", "1.4", "--wavelength", "520"]


def _deflate_tiff(path, compression="zlib"):
    tifffile.imwrite(path, np.arange(64 * 64, dtype=np.float32).reshape(64, 64),
                     compression=compression, imagej=True, resolution=(1 / 0.065, 1 / 0.065),
                     metadata={"unit": "um"})
    return path


def _scramble_strips(path):
    """Keep each deflate stream's 2-byte header and overwrite the rest with 0xFF: the first
    block then declares the reserved block type, which zlib refuses."""
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        strips = list(zip(page.dataoffsets, page.databytecounts))
    data = bytearray(path.read_bytes())
    for offset, count in strips:
        data[offset + 2:offset + count] = b"\xff" * (count - 2)
    path.write_bytes(bytes(data))
    return path


def _declare_rows(path, rows):
    with tifffile.TiffFile(path) as tif:
        tag = tif.pages[0].tags["ImageLength"]
        fmt, offset = ("<I" if tag.dtype == 4 else "<H"), tag.valueoffset
    data = bytearray(path.read_bytes())
    struct.pack_into(fmt, data, offset, rows)
    path.write_bytes(bytes(data))


def _unreadable(kind, tmp_path):
    """A file the deconvolve command cannot read, and what its error line must say."""
    path = _deflate_tiff(tmp_path / "cells.tif")
    if kind == "missing file":
        return tmp_path / "nope.tif", "no such file: '"
    if kind == "directory":
        (tmp_path / "stack.tif").mkdir()
        return tmp_path / "stack.tif", "is a folder, not an image file"
    if kind == "corrupt deflate strip":
        _scramble_strips(path)
        # tifffile decodes with imagecodecs where installed (bioimageio.core requires it)
        decoder = ("imagecodecs.DeflateError" if importlib.util.find_spec("imagecodecs")
                   else "zlib.error: Error -3")
        return path, f"as a TIFF image ({decoder}"
    if kind == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        return path, "is truncated or corrupted"
    if kind == "cut in the header":
        path.write_bytes(path.read_bytes()[:6])
        return path, "as a TIFF image"
    path = _deflate_tiff(tmp_path / "plain.tif", compression=None)
    _declare_rows(path, 60000)  # tifffile also logs a warning about it
    return path, "is truncated or corrupted"


@pytest.mark.parametrize("kind", ["missing file", "directory", "corrupt deflate strip",
                                  "truncated", "cut in the header", "huge declared size"])
def test_an_unreadable_input_exits_2_with_one_line_naming_it(kind, tmp_path, error_line):
    path, problem = _unreadable(kind, tmp_path)
    assert main(["deconvolve", str(path), "-o", str(tmp_path / "out.tif"), "--method", "rl",
                 *OPTICS]) == 2
    line = error_line()
    assert line.startswith("napari-inverse: error: ") and problem in line and str(path) in line
    assert not (tmp_path / "out.tif").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its permissions")
def test_an_input_without_read_permission_exits_2_with_one_line(tmp_path, error_line):
    path = _deflate_tiff(tmp_path / "cells.tif")
    path.chmod(0)
    assert main(["deconvolve", str(path), "--method", "rl", *OPTICS]) == 2
    line = error_line()
    assert f"Permission denied: '{path}'" in line


def test_a_failing_disk_exits_2_with_one_line(tmp_path, monkeypatch, error_line):
    """An OSError while reading (here EIO, which root meets too) is the system's reason and the
    file, without a traceback."""
    path = _deflate_tiff(tmp_path / "cells.tif")

    def failing_disk(name, *args, **kwargs):
        raise OSError(errno.EIO, os.strerror(errno.EIO), str(name))

    monkeypatch.setattr("napari_inverse.io.tiff_reader.tifffile.TiffFile", failing_disk)
    assert main(["deconvolve", str(path), "--method", "rl", *OPTICS]) == 2
    assert error_line() == f"napari-inverse: error: Input/output error: '{path}'"


def test_a_corrupt_psf_is_named(blurred, tmp_path, error_line):
    psf = _deflate_tiff(tmp_path / "bead.tif")
    _scramble_strips(psf)
    assert main(["deconvolve", str(blurred[0]), "--psf", str(psf)]) == 2
    assert f"cannot read '{psf}' as a TIFF image" in error_line()


def test_a_corrupt_training_target_is_named(tmp_path, error_line):
    noisy = _deflate_tiff(tmp_path / "noisy.tif")
    target = _scramble_strips(_deflate_tiff(tmp_path / "clean.tif"))
    assert main(["train", "--model", "care", "--input", str(noisy), "--target", str(target),
                 "--out", str(tmp_path / "model")]) == 2
    assert f"cannot read '{target}' as a TIFF image" in error_line()


def test_the_decoders_log_stays_unprinted_when_the_file_is_refused(tmp_path, caplog,
                                                                   error_line):
    """tifffile warns about a declared size the file cannot hold; without a handler of its own
    Python would print that on stderr beside the error line."""
    path, _ = _unreadable("huge declared size", tmp_path)
    with caplog.at_level(logging.WARNING):
        assert main(["deconvolve", str(path), "--method", "rl", *OPTICS]) == 2
    assert "is truncated or corrupted" in error_line()
    assert not [record for record in caplog.records if record.name.startswith("tifffile")]


def test_the_decoders_log_is_a_warning_line_after_success(
        blurred, tmp_path, monkeypatch, capsys):
    deconvolve = napari_inverse.methods.deconvolve

    def logging_deconvolve(*args, **kwargs):
        logging.getLogger("tifffile").warning("<tifffile.TiffFile 'x.tif'> odd tag")
        return deconvolve(*args, **kwargs)

    monkeypatch.setattr("napari_inverse.methods.deconvolve", logging_deconvolve)
    assert main(["deconvolve", str(blurred[0]), "-o", str(tmp_path / "out.tif"),
                 "--method", "rl", "--iterations", "2", *OPTICS]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "odd tag" in line]
    assert warnings == ["napari-inverse: warning: <tifffile.TiffFile 'x.tif'> odd tag"]
