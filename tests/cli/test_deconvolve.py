"""``napari-inverse deconvolve``: a real deconvolution keeps the calibration, bad arguments get
one clear line."""
import numpy as np
import pytest
import tifffile
from skimage.metrics import peak_signal_noise_ratio

from napari_inverse.cli import main
from napari_inverse.io import read_tiff
from napari_inverse.simulate.pairs import deconvolution_pair


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


def test_learned_deconvolution_is_the_default_and_warns_about_the_pixel_size(
        tmp_path, capsys, imagej_file):
    pair = deconvolution_pair(0, (96, 96), "microtubules")
    path, na, wavelength = imagej_file(tmp_path / "cells.tif", pair)
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


def _bad_input(kind, tmp_path, good):
    """Arguments of a deconvolve command that must fail with exit status 2, and the reason."""
    optics = ["--na", "1.4", "--wavelength", "520"]
    if kind == "text file":
        (tmp_path / "notes.txt").write_text("hello\n")
        return [str(tmp_path / "notes.txt"), "-o", str(tmp_path / "o.tif"), *optics], "notes.txt"
    if kind == "6-D":
        tifffile.imwrite(tmp_path / "six.tif", np.zeros((2, 2, 2, 2, 16, 16), np.float32))
        return [str(tmp_path / "six.tif"), *optics], "6 dimensions"
    if kind == "NaN":
        image = np.ones((32, 32), np.float32)
        image[3, 4] = np.nan
        tifffile.imwrite(tmp_path / "nan.tif", image, imagej=True,
                         resolution=(1 / 0.065, 1 / 0.065), metadata={"unit": "um"})
        return [str(tmp_path / "nan.tif"), *optics], "NaN"
    if kind == "missing NA":
        return [str(good), "--wavelength", "520"], "--na"
    if kind == "RL option for m-rBCR":
        return ([str(good), *optics, "--iterations", "50"],
                "'iterations' is an option of Richardson–Lucy")
    if kind == "PSF at another sampling":
        tifffile.imwrite(tmp_path / "bead.tif", np.pad(np.ones((3, 3), np.float32), 6),
                         imagej=True, resolution=(1 / 0.04, 1 / 0.04), metadata={"unit": "um"})
        return [str(good), "--psf", str(tmp_path / "bead.tif")], "is sampled at 40 nm along"
    if kind == "PSF larger than image":
        tifffile.imwrite(tmp_path / "small.tif", np.ones((32, 32), np.float32))
        tifffile.imwrite(tmp_path / "psf.tif", np.ones((65, 65), np.float32))
        return [str(tmp_path / "small.tif"), "--psf", str(tmp_path / "psf.tif")], "larger than"
    if kind == "bad number":
        return [str(good), "--na", "1,4", "--wavelength", "520"], "argument --na: invalid float"
    if kind == "fractional iterations":
        return [str(good), *optics, "--iterations", "2.5"], "argument --iterations: invalid int"
    if kind == "negative NA":
        return [str(good), "--na", "-1.4", "--wavelength", "520"], "-1.4"
    return [str(good), *optics, "--method", "lucy"], "argument --method: invalid choice: 'lucy'"


@pytest.mark.parametrize("kind", ["text file", "6-D", "NaN", "missing NA",
                                  "RL option for m-rBCR", "PSF at another sampling",
                                  "PSF larger than image", "bad number", "fractional iterations",
                                  "negative NA", "unknown method"])
def test_bad_input_exits_2_with_one_line(kind, tmp_path, blurred, error_line):
    args, reason = _bad_input(kind, tmp_path, blurred[0])
    assert main(["deconvolve", *args]) == 2
    line = error_line()
    assert line.startswith("napari-inverse: error: ") and reason in line
