"""Zoo tests run networks on one CPU thread; that fixture and the isolated models folder, cache
and remote index every test gets are in tests/conftest.py."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread(single_thread):
    yield


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
