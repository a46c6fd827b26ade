"""``napari-inverse focus``: the mask, depth map and all-in-focus files of a simulated stack."""
import numpy as np
import pytest
import tifffile

from napari_inverse import Optics, segment_focus
from napari_inverse.cli import main
from napari_inverse.io import read_ome_zarr, read_tiff
from napari_inverse.metrics import iou
from napari_inverse.simulate import focal_stack


OPTICS = Optics(na=0.5, wavelength_nm=520, pixel_size_nm=325, refractive_index=1.0, z_step_nm=1000)


@pytest.fixture(scope="module")
def stack_file(tmp_path_factory):
    """An ImageJ TIFF of a simulated sheet (planes 1 µm apart, 325 nm pixels) and its truth."""
    truth = focal_stack((64, 64), OPTICS, n_planes=6, scene="surface", photons=500,
                        psf_model="born_wolf", seed=2)
    path = tmp_path_factory.mktemp("focus") / "stack.tif"
    tifffile.imwrite(path, truth.stack, imagej=True, resolution=(1 / 0.325, 1 / 0.325),
                     metadata={"unit": "um", "axes": "ZYX", "spacing": 1.0})
    return path, truth


def test_focus_command_writes_mask_depth_and_all_in_focus(tmp_path, capsys, stack_file):
    path, truth = stack_file
    out = [tmp_path / name for name in ("mask.ome.tif", "depth.tif", "aif.tif")]
    assert main(["focus", str(path), "-o", str(out[0]), "--depth", str(out[1]),
                 "--all-in-focus", str(out[2])]) == 0
    assert "depth.tif" in capsys.readouterr().out
    mask, depth, aif = (read_tiff(p) for p in out)
    assert mask.data.shape == truth.stack.shape and set(np.unique(mask.data)) <= {0, 1}
    assert iou(truth.in_focus, mask.data.astype(bool)) > 0.6  # the verb's own test: 0.85
    assert depth.data.shape == aif.data.shape == (64, 64)
    assert np.nanmedian(np.abs(depth.data - truth.depth_nm)) < 400  # nm, from the file's spacing
    assert depth.pixel_size_nm["X"] == pytest.approx(325)


def test_with_na_and_wavelength_the_mask_follows_the_depth_of_field_rule(tmp_path, stack_file):
    (path, truth), out = stack_file, tmp_path / "mask.ome.tif"
    assert main(["focus", str(path), "-o", str(out), "--na", "0.5", "--wavelength", "520",
                 "--refractive-index", "1.0"]) == 0
    expected = segment_focus(truth.stack, optics=OPTICS).image  # z step from the file: 1 µm
    np.testing.assert_array_equal(read_tiff(out).data.astype(bool), expected)
    assert not np.array_equal(expected, segment_focus(truth.stack).image)


def test_a_2d_image_exits_2_naming_the_problem(blurred, error_line):
    assert main(["focus", str(blurred[0])]) == 2
    assert "focal stack" in error_line()


def test_an_ome_zarr_output_holds_the_mask_and_maps_as_in_memory(tmp_path, capsys, error_line):
    optics = Optics(na=0.5, wavelength_nm=520, pixel_size_nm=325, refractive_index=1.0,
                    z_step_nm=1000)
    stack = focal_stack((64, 64), optics, n_planes=6, scene="surface", photons=500,
                        psf_model="born_wolf", seed=2).stack
    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, stack, imagej=True, resolution=(1 / 0.325, 1 / 0.325),
                     metadata={"unit": "um", "axes": "ZYX", "spacing": 1.0})
    assert main(["focus", str(path), "-o", str(tmp_path / "mask.ome.tif"), "--all-in-focus",
                 str(tmp_path / "aif.tif")]) == 0
    capsys.readouterr()
    output = tmp_path / "mask.ome.zarr"
    assert main(["focus", str(path), "-o", str(output), "--all-in-focus", "a.tif"]) == 2
    assert "drop --depth and --all-in-focus" in error_line()
    assert main(["focus", str(path), "-o", str(output), "--chunk", "32"]) == 0
    assert "1 chunks: 1 written" in capsys.readouterr().err  # the whole stack: its gate is global
    np.testing.assert_array_equal(read_ome_zarr(output).data,
                                  read_tiff(tmp_path / "mask.ome.tif").data)
    np.testing.assert_array_equal(read_ome_zarr(output / "all_in_focus").data,
                                  read_tiff(tmp_path / "aif.tif").data)
