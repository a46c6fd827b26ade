"""Training tests run on one CPU thread (see tests/nets/conftest.py for why) and never write to
the user's model folder."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def single_thread(tmp_path, monkeypatch):
    monkeypatch.setenv("NAPARI_INVERSE_MODELS_DIR", str(tmp_path / "models"))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)
