"""Shared fixtures: a simulated widefield filament image with known truth, in 2-D and 3-D."""
from __future__ import annotations

import numpy as np
import pytest

from napari_inverse import Optics
from napari_inverse.simulate import filaments, simulate_widefield


@pytest.fixture(scope="session")
def optics_2d() -> Optics:
    return Optics(na=1.4, wavelength_nm=520, pixel_size_nm=65)


@pytest.fixture(scope="session")
def optics_3d() -> Optics:
    return Optics(na=1.4, wavelength_nm=520, pixel_size_nm=100, z_step_nm=200)


@pytest.fixture(scope="session")
def widefield_2d(optics_2d):
    specimen = filaments((192, 192), optics_2d.pixel_size_nm, n_filaments=10, seed=1)
    return simulate_widefield(specimen, optics_2d, photons=1000, seed=2)


@pytest.fixture(scope="session")
def widefield_3d(optics_3d):
    specimen = filaments(
        (24, 64, 64), optics_3d.pixel_size_nm, n_filaments=6, z_step_nm=optics_3d.z_step_nm, seed=3
    )
    return simulate_widefield(specimen, optics_3d, photons=3000, seed=4)
