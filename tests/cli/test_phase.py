"""``napari-inverse phase``: a calibrated defocus stack gives the phase on the input's grid; a
missing step or an RGB image without focal shifts gives one line and exit status 2."""
import numpy as np
import pytest
import tifffile

from napari_inverse.cli import main
from napari_inverse.io import read_ome_zarr, read_tiff
from napari_inverse.metrics import phase_rmse
from napari_inverse.simulate import cell_phase, defocus_stack

PIXEL = 210.0


@pytest.fixture(scope="module")
def stack_file(tmp_path_factory):
    phase = cell_phase((64, 64), PIXEL, n_cells=2, cell_diameter_nm=5000, max_phase_rad=1.0,
                       seed=7)
    planes = defocus_stack(phase, wavelength_nm=550, pixel_size_nm=PIXEL, dz_nm=[-1000, 0, 1000],
                           na=0.4, photons=None, condenser_na=0.2).intensity
    path = tmp_path_factory.mktemp("phase") / "stack.tif"
    um = PIXEL / 1000
    tifffile.imwrite(path, planes, imagej=True, resolution=(1 / um, 1 / um),
                     metadata={"unit": "um", "axes": "ZYX", "spacing": 1.0})
    return path, phase


def test_phase_of_a_calibrated_stack_keeps_the_grid(stack_file, tmp_path, capsys):
    path, truth = stack_file
    out = tmp_path / "phase.ome.tif"
    assert main(["phase", str(path), "-o", str(out), "--wavelength", "550", "--na", "0.4",
                 "--condenser-na", "0.2", "--method", "wotf", "--regularization", "1e-7"]) == 0
    assert "wrote" in capsys.readouterr().out
    result = read_tiff(out)
    assert result.axes == "YX" and result.data.shape == (64, 64)
    assert result.pixel_size_nm == pytest.approx({"X": PIXEL, "Y": PIXEL})
    assert phase_rmse(truth, result.data) < 0.1 * truth.std()


def test_the_dz_flag_overrides_and_bad_input_is_one_line(stack_file, tmp_path, error_line,
                                                         capsys):
    path, _ = stack_file
    flat = tmp_path / "flat.tif"
    tifffile.imwrite(flat, np.ones((3, 32, 32), np.float32), photometric="minisblack")
    common = ["--wavelength", "550", "--na", "0.4", "--pixel-size", "200"]
    assert main(["phase", str(flat), "--axes", "ZYX", *common]) == 2
    assert "distance between planes is missing" in error_line()
    assert main(["phase", str(flat), "--axes", "ZYX", "--dz", "800", *common]) == 0
    capsys.readouterr()
    rgb = tmp_path / "rgb.tif"
    tifffile.imwrite(rgb, np.ones((32, 32, 3), np.uint8), photometric="rgb")
    assert main(["phase", str(rgb), *common]) == 2
    assert "--focal-shifts" in error_line()
    assert main(["phase", str(rgb), *common, "--focal-shifts", "1000,0,x"]) == 2
    assert "numbers separated by commas" in error_line()


def test_an_ome_zarr_output_is_written_stack_by_stack_as_in_memory(stack_file, tmp_path,
                                                                   capsys):
    """Phase is chunked over time only (a global solve over Y, X): --chunk 32 reads whole
    planes, and the result equals the OME-TIFF one."""
    path, _ = stack_file
    common = ["--wavelength", "550", "--na", "0.4", "--method", "teague"]
    assert main(["phase", str(path), "-o", str(tmp_path / "phase.ome.tif"), *common]) == 0
    assert main(["phase", str(path), "-o", str(tmp_path / "phase.ome.zarr"), "--chunk", "32",
                 *common]) == 0
    assert "1 chunks: 1 written" in capsys.readouterr().err
    chunked = read_ome_zarr(tmp_path / "phase.ome.zarr")
    assert chunked.axes == "YX" and chunked.pixel_size_nm == pytest.approx({"X": PIXEL,
                                                                           "Y": PIXEL})
    np.testing.assert_allclose(chunked.data, read_tiff(tmp_path / "phase.ome.tif").data,
                               rtol=0, atol=1e-6)


def test_zmd_runs_the_learned_model_on_two_planes(stack_file, tmp_path):
    path, truth = stack_file
    planes = tifffile.imread(path)[[0, 2]]  # ∓1 µm: 2 µm apart
    two = tmp_path / "two.tif"
    um = PIXEL / 1000
    tifffile.imwrite(two, planes, imagej=True, resolution=(1 / um, 1 / um),
                     metadata={"unit": "um", "axes": "ZYX", "spacing": 2.0})
    out = tmp_path / "phase.ome.tif"
    assert main(["phase", str(two), "-o", str(out), "--wavelength", "550", "--na", "0.4",
                 "--method", "zmd", "--samples", "2", "--device", "cpu"]) == 0
    result = read_tiff(out)
    assert result.data.shape == (64, 64)
    assert phase_rmse(truth, result.data) < 0.5 * truth.std()
