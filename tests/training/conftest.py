"""Training tests run on one CPU thread (the root ``single_thread`` fixture; see there why)."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _one_thread(single_thread):
    """Every test here, not only those that ask for it."""
