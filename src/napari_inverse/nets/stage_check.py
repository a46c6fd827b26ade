"""A check that long forward passes call between their stages, so a job can stop mid-tile.

The caller installs the check for its thread (`checked_between_stages`, e.g. a cancel check that
raises); a network calls `between_stages()` after each large stage (a U-Net level, an m-rBCR
scale). Without a check installed the call does nothing, so training and tests are unaffected.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Iterator

_installed = threading.local()


@contextmanager
def checked_between_stages(check: Callable[[], None]) -> Iterator[None]:
    """Within the block, this thread's forward passes call ``check()`` between their stages."""
    previous = getattr(_installed, "check", None)
    _installed.check = check
    try:
        yield
    finally:
        _installed.check = previous


def between_stages() -> None:
    """Call the check installed for this thread, if any (it may raise to stop the pass)."""
    check = getattr(_installed, "check", None)
    if check is not None:
        check()
