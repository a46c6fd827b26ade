"""``napari-inverse super-resolve``: mean and uncertainty as two channels, pixel size kept."""
import numpy as np
import pytest

from napari_inverse.cli import main
from napari_inverse.io import read_tiff
from napari_inverse.simulate.pairs import super_resolution_pair


@pytest.mark.parametrize("upsample", [1, 2])
def test_super_resolve_writes_mean_and_uncertainty(upsample, tmp_path, capsys, imagej_file):
    pair = super_resolution_pair(40_000_003, (48, 48), "microtubules")
    path, na, wavelength = imagej_file(tmp_path / "widefield.tif", pair)
    output = tmp_path / "out.ome.tif"
    assert main(["super-resolve", path, "-o", str(output), "--samples", "3", "--steps", "4",
                 "--seed", "1", "--upsample", str(upsample), "--na", na,
                 "--wavelength", wavelength]) == 0
    assert "zmd-widefield-sr" in capsys.readouterr().out
    result = read_tiff(output)
    assert result.axes == "CYX"
    assert result.data.shape == (2, 48 * upsample, 48 * upsample)
    mean, uncertainty = np.asarray(result.data)
    assert (uncertainty > 0).all() and np.median(uncertainty) < np.median(mean)
    pixel = pair.metadata["optics"]["pixel_size_nm"] / upsample
    assert result.pixel_size_nm["X"] == pytest.approx(pixel, rel=1e-4)
    assert result.metadata["channel_names"] == ["mean", "uncertainty"]


def test_zero_samples_exit_2_with_the_reason(tmp_path, imagej_file, error_line):
    pair = super_resolution_pair(40_000_003, (48, 48), "microtubules")
    path, _, _ = imagej_file(tmp_path / "widefield.tif", pair)
    assert main(["super-resolve", path, "--samples", "0"]) == 2
    assert "samples=0 is out of range" in error_line()
