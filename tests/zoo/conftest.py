"""Every zoo test gets its own models folder, download cache and (empty) remote index, so it
never sees or touches the user's models and never reaches beyond 127.0.0.1; networks run on one
CPU thread (see tests/nets/conftest.py for why)."""
from __future__ import annotations

import pytest
import torch

from napari_inverse.zoo.registry import MODELS_DIR_ENV
from napari_inverse.zoo.remote import CACHE_DIR_ENV, REMOTE_INDEX_ENV


@pytest.fixture(autouse=True)
def isolated_zoo(tmp_path, monkeypatch):
    index = tmp_path / "remote-index.json"
    index.write_text("[]", encoding="utf-8")
    monkeypatch.setenv(MODELS_DIR_ENV, str(tmp_path / "models"))
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv(REMOTE_INDEX_ENV, str(index))
    return index


@pytest.fixture(autouse=True)
def single_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def small_care():
    """A small trained-looking CARE network and its card (sha256 is filled in when saved)."""
    from napari_inverse.zoo import ModelCard, build_network

    card = ModelCard(name="tiny-care", family="care", task="deconvolution",
                     architecture={"ndim": 2, "depth": 1, "first_filters": 4},
                     pixel_size_nm=65.0)
    return build_network(card.family, card.architecture), card


@pytest.fixture
def image() -> torch.Tensor:
    return torch.rand(1, 1, 24, 24, generator=torch.Generator().manual_seed(1))
