"""What the command-line tests share: a calibrated widefield image with its truth, a writer of
simulated pairs as ImageJ TIFFs, and the one line a failed command printed."""
from __future__ import annotations

import pytest
import tifffile

from napari_inverse.optics import Optics
from napari_inverse.simulate import filaments, simulate_widefield

IMAGEJ_65NM = {"resolution": (1 / 0.065, 1 / 0.065), "metadata": {"unit": "um", "axes": "YX"}}


@pytest.fixture(scope="package")
def blurred(tmp_path_factory):
    """A 65 nm ImageJ TIFF of simulated filaments and the truth it was made from."""
    pair = simulate_widefield(filaments((96, 96), 65.0, seed=3), Optics(1.4, 520, 65),
                              photons=1000, seed=3)
    path = tmp_path_factory.mktemp("cli") / "blurred.tif"
    tifffile.imwrite(path, pair.image, imagej=True, **IMAGEJ_65NM)
    return path, pair.truth


@pytest.fixture
def imagej_file():
    """Write a simulated pair's input as an ImageJ TIFF with its pixel size; return the path
    and the pair's NA and wavelength as command-line strings."""
    def write(path, pair) -> tuple[str, str, str]:
        optics = pair.metadata["optics"]
        um = optics["pixel_size_nm"] / 1000
        tifffile.imwrite(path, pair.input, imagej=True, resolution=(1 / um, 1 / um),
                         metadata={"unit": "um", "axes": "YX"})
        return str(path), f"{optics['na']:.4f}", f"{optics['wavelength_nm']:.2f}"

    return write


@pytest.fixture
def error_line(capsys):
    """Read what the command printed on stderr and return its one line (fail if there were
    more, or none)."""
    def read() -> str:
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1, lines
        return lines[0]

    return read
