"""A small simulated time-lapse stored as OME-Zarr, and the verbs' in-process results on it."""
from __future__ import annotations

import numpy as np
import pytest

from napari_inverse import Optics
from napari_inverse.io import create_ome_zarr
from napari_inverse.simulate import filaments, simulate_widefield

RL_OPTIONS = {"method": "rl", "iterations": 8}
CHUNK = 64


@pytest.fixture(scope="package")
def optics() -> Optics:
    return Optics(na=1.4, wavelength_nm=520, pixel_size_nm=65)


@pytest.fixture(scope="package")
def stack(optics) -> np.ndarray:
    """Two 150 × 170 widefield frames of filaments (photon counts)."""
    frames = [simulate_widefield(filaments((150, 170), 65.0, seed=seed), optics, photons=500,
                                 seed=seed).image for seed in (5, 6)]
    return np.stack(frames).astype(np.float32)


@pytest.fixture(scope="package")
def stack_file(stack, tmp_path_factory):
    """The stack as an OME-Zarr with its 65 nm pixels, stored in 32-pixel chunks."""
    path = tmp_path_factory.mktemp("chunked") / "stack.ome.zarr"
    create_ome_zarr(path, stack.shape, "TYX", {"Y": 65.0, "X": 65.0}, (1, 32, 32))[:] = stack
    return path


@pytest.fixture(scope="package")
def rl_reference(stack, optics) -> np.ndarray:
    from napari_inverse import deconvolve

    return deconvolve(stack, axes="TYX", optics=optics, device="cpu", **RL_OPTIONS).image


@pytest.fixture(scope="package")
def n2v_reference(stack) -> np.ndarray:
    from napari_inverse import denoise

    return denoise(stack, "n2v", axes="TYX", device="cpu", precision="float32").image


def relative_difference(result, reference) -> float:
    """The largest difference as a fraction of the reference's range."""
    result = np.asarray(result)
    return float(np.abs(result - reference).max() / np.ptp(reference))
