"""The command line: a real deconvolution keeps the calibration, bad input gets one clear line."""
import signal
import subprocess
import sys

import numpy as np
import pytest
import tifffile
from skimage.metrics import peak_signal_noise_ratio

from napari_inverse.cli import main
from napari_inverse.io import read_tiff
from napari_inverse.optics import Optics
from napari_inverse.simulate import filaments, simulate_widefield

IMAGEJ_65NM = {"resolution": (1 / 0.065, 1 / 0.065), "metadata": {"unit": "um", "axes": "YX"}}


@pytest.fixture(scope="module")
def blurred(tmp_path_factory):
    """A 65 nm ImageJ TIFF of simulated filaments and the truth it was made from."""
    pair = simulate_widefield(filaments((96, 96), 65.0, seed=3), Optics(1.4, 520, 65),
                              photons=1000, seed=3)
    path = tmp_path_factory.mktemp("cli") / "blurred.tif"
    tifffile.imwrite(path, pair.image, imagej=True, **IMAGEJ_65NM)
    return path, pair.truth


def test_deconvolve_keeps_pixel_size_and_sharpens(blurred, tmp_path, capsys):
    path, truth = blurred
    out = tmp_path / "sharp.ome.tif"
    assert main(["deconvolve", str(path), "-o", str(out), "--na", "1.4", "--wavelength", "520",
                 "--iterations", "20"]) == 0
    assert "wrote" in capsys.readouterr().out
    result = read_tiff(out)
    assert result.pixel_size_nm == pytest.approx({"X": 65.0, "Y": 65.0})
    data_range = truth.max() - truth.min()
    before = peak_signal_noise_ratio(truth, read_tiff(path).data, data_range=data_range)
    after = peak_signal_noise_ratio(truth, result.data, data_range=data_range)
    assert after > before + 1.0


def _bad_input(kind, tmp_path, good):
    """Arguments of a deconvolve command that must fail with exit status 2, and the reason."""
    optics = ["--na", "1.4", "--wavelength", "520"]
    if kind == "missing file":
        return [str(tmp_path / "nope.tif"), *optics], "no such file"
    if kind == "text file":
        (tmp_path / "notes.txt").write_text("hello\n")
        return [str(tmp_path / "notes.txt"), "-o", str(tmp_path / "o.tif"), *optics], "notes.txt"
    if kind == "6-D":
        tifffile.imwrite(tmp_path / "six.tif", np.zeros((2, 2, 2, 2, 16, 16), np.float32))
        return [str(tmp_path / "six.tif"), *optics], "6 dimensions"
    if kind == "NaN":
        image = np.ones((32, 32), np.float32)
        image[3, 4] = np.nan
        tifffile.imwrite(tmp_path / "nan.tif", image, imagej=True, **IMAGEJ_65NM)
        return [str(tmp_path / "nan.tif"), *optics], "NaN"
    if kind == "missing NA":
        return [str(good), "--wavelength", "520"], "--na"
    if kind == "PSF larger than image":
        tifffile.imwrite(tmp_path / "small.tif", np.ones((32, 32), np.float32))
        tifffile.imwrite(tmp_path / "psf.tif", np.ones((65, 65), np.float32))
        return [str(tmp_path / "small.tif"), "--psf", str(tmp_path / "psf.tif")], "larger than"
    return [str(good), "-o", str(tmp_path / "no" / "out.tif"), *optics], "does not exist"


@pytest.mark.parametrize("kind", ["missing file", "text file", "6-D", "NaN", "missing NA",
                                  "PSF larger than image", "missing output folder"])
def test_bad_input_exits_2_with_one_line(kind, tmp_path, blurred, capsys):
    args, reason = _bad_input(kind, tmp_path, blurred[0])
    assert main(["deconvolve", *args]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("napari-inverse: error: ") and reason in lines[0]


def test_ctrl_c_cancels_with_status_130_and_writes_nothing(blurred, tmp_path, monkeypatch, capsys):
    def interrupt(self, done, total, message=""):
        signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr("napari_inverse.cli_progress.ProgressBar.__call__", interrupt)
    out = tmp_path / "never.ome.tif"
    assert main(["deconvolve", str(blurred[0]), "-o", str(out), "--na", "1.4",
                 "--wavelength", "520"]) == 130
    assert "cancelled" in capsys.readouterr().err
    assert not out.exists()


def test_headless_demo_writes_images_and_rl_beats_the_input(tmp_path, capsys):
    assert main(["demo", "--headless", "--output", str(tmp_path), "--size", "128"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()
            if line.split() and line.split()[0] in ("input", "wiener", "richardson_lucy")}
    assert float(rows["richardson_lucy"][1]) > float(rows["input"][1])
    names = {p.name for p in tmp_path.iterdir()}
    assert {"demo_input.ome.tif", "demo_truth.ome.tif", "demo_richardson_lucy.ome.tif"} <= names


def test_quick_benchmark_writes_a_markdown_table(tmp_path, capsys):
    report = tmp_path / "b.md"
    assert main(["bench", "--quick", "--output", str(report)]) == 0
    text = report.read_text()
    assert "| case |" in text and "|---|" in text and "RL (30 it.) 128×128" in text
    assert "peak RSS" in capsys.readouterr().out
    quality = text.split("<!-- section: quality -->")[1].split("<!-- end: quality -->")[0]
    rows = [line for line in quality.splitlines() if line.startswith("| deconvolution/")]
    assert len(rows) == 6  # two sets × (input, Wiener, Richardson–Lucy)
    assert all("iterations" in row for row in rows if "Richardson" in row)


def test_each_suite_rewrites_only_its_own_section(tmp_path):
    report = tmp_path / "b.md"
    report.write_text("# Benchmarks\n\n<!-- section: speed -->\nold speed\n<!-- end: speed -->\n")
    assert main(["bench", "--quick", "--suite", "quality", "--output", str(report)]) == 0
    text = report.read_text()
    assert "old speed" in text and text.count("<!-- section: quality -->") == 1


def test_help_does_not_import_torch():
    code = ("import sys, contextlib, io\nfrom napari_inverse.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()): main(['deconvolve', '--help'])\n"
            "print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
