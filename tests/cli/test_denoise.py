"""``napari-inverse denoise``: a zoo model restores the file; an unknown model gets one line."""
import pytest

from napari_inverse.cli import main
from napari_inverse.io import read_tiff
from napari_inverse.simulate.pairs import denoising_pair


@pytest.mark.parametrize("method, model, precision", [("care", "care-denoise", "float32"),
                                                     ("n2v", "n2v-fluorescence", "bfloat16")])
def test_denoise_command_writes_the_restoration(method, model, precision, tmp_path, capsys,
                                                imagej_file):
    pair = denoising_pair(0, (64, 64), "microtubules")
    path, _, _ = imagej_file(tmp_path / "noisy.tif", pair)
    assert main(["denoise", path, "--method", method, "--precision", precision]) == 0
    assert model in capsys.readouterr().out
    result = read_tiff(tmp_path / f"noisy_{method}.ome.tif")
    assert result.data.shape == pair.input.shape
    assert result.pixel_size_nm["X"] == pytest.approx(pair.metadata["optics"]["pixel_size_nm"])
    assert f'"precision": "{precision}"' in result.metadata["description"]


def test_an_unknown_model_exits_2_with_the_known_ones(blurred, error_line):
    assert main(["denoise", str(blurred[0]), "--model", "nope"]) == 2
    line = error_line()
    assert line.startswith("napari-inverse: error: no model called 'nope'")
    assert "care-denoise" in line
