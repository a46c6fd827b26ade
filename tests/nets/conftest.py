"""Network tests run on one CPU thread (``single_thread`` in tests/conftest.py says why)."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _one_thread(single_thread):
    yield
