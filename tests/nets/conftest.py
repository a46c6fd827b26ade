"""Network tests run on one CPU thread: small convolutions gain nothing from more threads, and on a
shared, busy machine two OpenMP threads contend so badly that a step becomes ten times slower."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def single_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)
