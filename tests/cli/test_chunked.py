"""Chunked work from the command line: an OME-Zarr written chunk by chunk with the verb's result,
a summary line, and the same command resuming instead of redoing."""
from __future__ import annotations

import numpy as np

from napari_inverse import Optics, deconvolve
from napari_inverse.cli import main
from napari_inverse.io import read_ome_zarr, read_tiff

RL = ["--method", "rl", "--iterations", "5", "--na", "1.4", "--wavelength", "520"]


def test_a_zarr_output_is_written_chunk_by_chunk_and_a_second_run_resumes(
        blurred, tmp_path, capsys, single_thread):
    output = tmp_path / "sharp.ome.zarr"
    command = ["deconvolve", str(blurred[0]), "-o", str(output), "--chunk", "48",
               "--workers", "2", *RL]
    assert main(command) == 0
    captured = capsys.readouterr()
    assert "4 chunks: 4 written, 0 already there, 0 failed attempts retried" in captured.err
    assert f"wrote {output}" in captured.out
    written = read_ome_zarr(output)
    assert written.pixel_size_nm == {"Y": 65.0, "X": 65.0}
    reference = deconvolve(read_tiff(blurred[0]).data, "rl", iterations=5, device="cpu",
                           optics=Optics(1.4, 520, 65)).image
    assert np.abs(np.asarray(written.data) - reference).max() < 1e-5 * np.ptp(reference)
    assert main(command) == 0
    assert "4 chunks: 0 written, 4 already there" in capsys.readouterr().err


def test_chunked_flags_need_an_ome_zarr_output(blurred, tmp_path, error_line):
    assert main(["deconvolve", str(blurred[0]), "-o", str(tmp_path / "out.tif"),
                 "--scheduler", "threads", *RL]) == 2
    assert "must be an OME-Zarr (.ome.zarr) for chunked work" in error_line()
    assert main(["deconvolve", str(blurred[0]), "-o", str(tmp_path / "out.zarr"),
                 "--scheduler", "nowhere", *RL]) == 2
    assert "unknown scheduler 'nowhere'" in error_line()
    assert not (tmp_path / "out.zarr").exists()
