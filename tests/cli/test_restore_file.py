"""The output of an image-to-image command is checked before the run: a failed write costs no
computation and ends with status 2 and one line."""
import errno
import os

import pytest

from napari_inverse.cli import main

OPTICS = ["--na", "1.4", "--wavelength", "520", "--method", "rl"]


def _unwritable(kind, tmp_path, source):
    """An output the deconvolve command cannot write, and what its error line must say."""
    if kind == "missing folder":
        return tmp_path / "no" / "out.tif", "the folder '"
    if kind == "a folder":
        (tmp_path / "out.tif").mkdir()
        return tmp_path / "out.tif", "it is a folder"
    if kind == "not a TIFF":
        return tmp_path / "out.png", "must end in .tif or .tiff"
    return source, "is the input file"


@pytest.mark.parametrize("kind", ["missing folder", "a folder", "not a TIFF", "the input"])
def test_an_unwritable_output_exits_2_before_the_run(kind, blurred, tmp_path, monkeypatch,
                                                     error_line):
    output, problem = _unwritable(kind, tmp_path, blurred[0])
    monkeypatch.setattr("napari_inverse.methods.deconvolve", pytest.fail)
    assert main(["deconvolve", str(blurred[0]), "-o", str(output), *OPTICS]) == 2
    line = error_line()
    assert line.startswith("napari-inverse: error: ") and problem in line and str(output) in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any folder")
def test_a_read_only_folder_exits_2_before_the_run(blurred, tmp_path, monkeypatch, error_line):
    folder = tmp_path / "results"
    folder.mkdir()
    folder.chmod(0o500)
    monkeypatch.setattr("napari_inverse.methods.deconvolve", pytest.fail)
    assert main(["deconvolve", str(blurred[0]), "-o", str(folder / "out.tif"), *OPTICS]) == 2
    assert "is not writable; choose another place with -o" in error_line()


def test_a_failed_write_exits_2_with_one_line(blurred, tmp_path, monkeypatch, error_line):
    """A write that fails after the run (a full disk) is the system's reason and the file."""
    output = tmp_path / "out.tif"

    def full_disk(path, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr("napari_inverse.io.write_ome_tiff", full_disk)
    assert main(["deconvolve", str(blurred[0]), "-o", str(output), "--iterations", "2",
                 *OPTICS]) == 2
    assert error_line() == f"napari-inverse: error: No space left on device: '{output}'"
