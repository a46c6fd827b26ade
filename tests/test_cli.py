"""The command line: a real deconvolution keeps the calibration, bad input gets one clear line."""
import re
import signal
import subprocess
import sys

import numpy as np
import pytest
import tifffile
import torch
from skimage.metrics import peak_signal_noise_ratio

from napari_inverse.cli import main
from napari_inverse.io import read_tiff
from napari_inverse.optics import Optics
from napari_inverse.simulate import filaments, simulate_widefield
from napari_inverse.simulate.pairs import deconvolution_pair, denoising_pair
from napari_inverse.training import RECIPES

IMAGEJ_65NM = {"resolution": (1 / 0.065, 1 / 0.065), "metadata": {"unit": "um", "axes": "YX"}}


@pytest.fixture(scope="module")
def blurred(tmp_path_factory):
    """A 65 nm ImageJ TIFF of simulated filaments and the truth it was made from."""
    pair = simulate_widefield(filaments((96, 96), 65.0, seed=3), Optics(1.4, 520, 65),
                              photons=1000, seed=3)
    path = tmp_path_factory.mktemp("cli") / "blurred.tif"
    tifffile.imwrite(path, pair.image, imagej=True, **IMAGEJ_65NM)
    return path, pair.truth


@pytest.mark.parametrize("iterations", [["--iterations", "20"], []])  # [] chooses per image
def test_deconvolve_keeps_pixel_size_and_sharpens(iterations, blurred, tmp_path, capsys):
    path, truth = blurred
    out = tmp_path / "sharp.ome.tif"
    assert main(["deconvolve", str(path), "-o", str(out), "--method", "rl", "--na", "1.4",
                 "--wavelength", "520", *iterations]) == 0
    assert "wrote" in capsys.readouterr().out
    result = read_tiff(out)
    assert result.pixel_size_nm == pytest.approx({"X": 65.0, "Y": 65.0})
    data_range = truth.max() - truth.min()
    before = peak_signal_noise_ratio(truth, read_tiff(path).data, data_range=data_range)
    after = peak_signal_noise_ratio(truth, result.data, data_range=data_range)
    assert after > before + 1.0


def _imagej_file(path, pair) -> tuple[str, str, str]:
    """Write ``pair.input`` as an ImageJ TIFF with its pixel size; return it, NA and wavelength."""
    optics = pair.metadata["optics"]
    um = optics["pixel_size_nm"] / 1000
    tifffile.imwrite(path, pair.input, imagej=True, resolution=(1 / um, 1 / um),
                     metadata={"unit": "um", "axes": "YX"})
    return str(path), f"{optics['na']:.4f}", f"{optics['wavelength_nm']:.2f}"


def test_learned_deconvolution_is_the_default_and_warns_about_the_pixel_size(tmp_path, capsys):
    pair = deconvolution_pair(0, (96, 96), "microtubules")
    path, na, wavelength = _imagej_file(tmp_path / "cells.tif", pair)
    assert main(["deconvolve", path, "--na", na, "--wavelength", wavelength]) == 0
    captured = capsys.readouterr()
    assert "mrbcr-widefield" in captured.out and "warning" not in captured.err
    result = read_tiff(tmp_path / "cells_mrbcr.ome.tif")
    assert result.pixel_size_nm["X"] == pytest.approx(pair.metadata["optics"]["pixel_size_nm"])
    data_range = np.ptp(pair.target)
    assert (peak_signal_noise_ratio(pair.target, result.data, data_range=data_range)
            > peak_signal_noise_ratio(pair.target, pair.input, data_range=data_range) + 2.0)
    out = str(tmp_path / "fine.ome.tif")
    assert main(["deconvolve", path, "-o", out, "--method", "care", "--na", na,
                 "--wavelength", wavelength, "--pixel-size", "40"]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and warnings[0].startswith("napari-inverse: warning: ")
    assert "40 nm" in warnings[0] and "--resample" in warnings[0]
    assert main(["deconvolve", path, "-o", out, "--method", "care", "--na", na,
                 "--wavelength", wavelength, "--pixel-size", "40", "--resample"]) == 0
    assert "warning" not in capsys.readouterr().err


@pytest.mark.parametrize("method, model, precision", [("care", "care-denoise", "float32"),
                                                     ("n2v", "n2v-fluorescence", "bfloat16")])
def test_denoise_command_writes_the_restoration(method, model, precision, tmp_path, capsys):
    pair = denoising_pair(0, (64, 64), "microtubules")
    path, _, _ = _imagej_file(tmp_path / "noisy.tif", pair)
    assert main(["denoise", path, "--method", method, "--precision", precision]) == 0
    assert model in capsys.readouterr().out
    result = read_tiff(tmp_path / f"noisy_{method}.ome.tif")
    assert result.data.shape == pair.input.shape
    assert result.pixel_size_nm["X"] == pytest.approx(pair.metadata["optics"]["pixel_size_nm"])
    assert f'"precision": "{precision}"' in result.metadata["description"]


def test_an_unknown_model_exits_2_with_the_known_ones(blurred, capsys):
    assert main(["denoise", str(blurred[0]), "--model", "nope"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("napari-inverse: error: no model called 'nope'")
    assert "care-denoise" in error


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
    if kind == "RL option for m-rBCR":
        return [str(good), *optics, "--iterations", "50"], "'iterations' is an option of Richardson–Lucy"
    if kind == "PSF at another sampling":
        tifffile.imwrite(tmp_path / "bead.tif", np.pad(np.ones((3, 3), np.float32), 6),
                         imagej=True, resolution=(1 / 0.04, 1 / 0.04), metadata={"unit": "um"})
        return [str(good), "--psf", str(tmp_path / "bead.tif")], "is sampled at 40 nm along"
    if kind == "PSF larger than image":
        tifffile.imwrite(tmp_path / "small.tif", np.ones((32, 32), np.float32))
        tifffile.imwrite(tmp_path / "psf.tif", np.ones((65, 65), np.float32))
        return [str(tmp_path / "small.tif"), "--psf", str(tmp_path / "psf.tif")], "larger than"
    return [str(good), "-o", str(tmp_path / "no" / "out.tif"), *optics], "does not exist"


@pytest.mark.parametrize("kind", ["missing file", "text file", "6-D", "NaN", "missing NA",
                                  "RL option for m-rBCR", "PSF at another sampling",
                                  "PSF larger than image",
                                  "missing output folder"])
def test_bad_input_exits_2_with_one_line(kind, tmp_path, blurred, capsys):
    args, reason = _bad_input(kind, tmp_path, blurred[0])
    assert main(["deconvolve", *args]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("napari-inverse: error: ") and reason in lines[0]


def test_a_gpu_out_of_memory_is_one_line_with_the_fix(blurred, monkeypatch, capsys):
    def exhausted(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr("napari_inverse.cli_deconvolve.deconvolve", exhausted)
    assert main(["deconvolve", str(blurred[0]), "--na", "1.4", "--wavelength", "520"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "out of memory" in lines[0] and "--device cpu" in lines[0]


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
    assert len(rows) == 14  # two sets × (input, Wiener, RL, RL auto, m-rBCR, s-rBCR, CARE)
    assert all("iterations" in row for row in rows if "Richardson" in row)
    assert sum("(mrbcr-widefield)" in row and "236,630" in row for row in rows) == 2
    learned = text.split("<!-- section: learned-speed -->")[1]
    assert "m-rBCR 128×128" in learned and "CARE 128×128" in learned
    assert re.search(r"\| cpu \(\d+\), (bfloat16|float32) \|", learned)  # the format it ran in
    assert "against CARE's" in learned and "target: not slower" in learned
    assert "| seconds, model kept (runs) |" in learned  # a later call: the network built once
    assert "128×128, first call:" in learned and "128×128, model kept:" in learned
    training = text.split("<!-- section: training -->")[1].split("<!-- end: training -->")[0]
    assert "## Training throughput (quick smoke test" in training
    rows = {line.split("|")[1].strip(): line.split("|") for line in training.splitlines()
            if line.startswith("| ") and not line.startswith("| recipe |")}
    assert set(rows) == set(RECIPES)
    assert all(float(row[6]) > 0 and "MiB" in row[8] for row in rows.values())


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
