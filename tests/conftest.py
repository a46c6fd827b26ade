"""Shared fixtures: an isolated model zoo for every test, torch on one thread for network tests,
a simulated widefield filament image with known truth in 2-D and 3-D."""
from __future__ import annotations

import os

import numpy as np
import pytest
import tifffile
import torch

from napari_inverse import Optics
from napari_inverse.simulate import filaments, simulate_widefield
from napari_inverse.zoo.registry import MODELS_DIR_ENV
from napari_inverse.zoo.remote import CACHE_DIR_ENV, REMOTE_INDEX_ENV


def pytest_collection_modifyitems(config, items):
    """Tests marked ``cuda`` skip, with the reason, where torch sees no CUDA GPU."""
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU (run `pytest -m cuda` where one is lent)")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def isolated_zoo(tmp_path_factory, monkeypatch):
    """Every test gets its own models folder, download cache and (empty) remote index, so it sees
    the shipped models but never the user's, never touches them and never downloads. They live
    beside ``tmp_path``, not in it, so a test still finds only its own files there."""
    folder = tmp_path_factory.mktemp("zoo")
    index = folder / "remote-index.json"
    index.write_text("[]", encoding="utf-8")
    monkeypatch.setenv(MODELS_DIR_ENV, str(folder / "models"))
    monkeypatch.setenv(CACHE_DIR_ENV, str(folder / "cache"))
    monkeypatch.setenv(REMOTE_INDEX_ENV, str(index))
    return index


@pytest.fixture(autouse=True)
def unchanged_environment():
    """Each test leaves ``os.environ`` as it found it. dask's Nanny writes its pre-spawn
    variables (``MALLOC_TRIM_THRESHOLD_``) into the parent's environment when it starts a
    worker, and that switches off glibc's dynamic mmap threshold in every later subprocess."""
    saved = dict(os.environ)
    yield
    if os.environ != saved:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def single_thread():
    """Run torch on one CPU thread. Small convolutions gain nothing from more threads, and on a
    shared, busy machine two OpenMP threads contend so badly that a step becomes ten times slower
    (measured with another process busy on this 2-core machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def scrambled_tiff(tmp_path):
    """A deflate-compressed 64² TIFF whose compressed strip is overwritten with other bytes."""
    path = tmp_path / "scrambled.tif"
    tifffile.imwrite(path, np.arange(64 * 64, dtype=np.uint16).reshape(64, 64),
                     compression="zlib")
    with tifffile.TiffFile(path) as tif:
        offset, count = tif.pages[0].dataoffsets[0], tif.pages[0].databytecounts[0]
    raw = bytearray(path.read_bytes())
    raw[offset:offset + count] = bytes(range(7, 7 + count)) if count < 249 else b"\x07" * count
    path.write_bytes(bytes(raw))
    return path


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
