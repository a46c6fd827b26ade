"""Up-front memory checks: refuse a job whose estimated peak exceeds the memory available now.

Without it a 100000² image (a broadcast array or a lazy dask array costs nothing to create)
ran until an allocation deep inside failed with MemoryError, or the machine began swapping.
Each verb states its own estimate as a :class:`MemoryEstimate`; the available memory is read
from /proc/meminfo (Linux) or ``os.sysconf``, and the check is skipped where neither says.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Optional, Sequence

from .validation import InvalidInput

FLOAT32 = 4


def available_memory_bytes() -> Optional[int]:
    """Memory a new allocation can get without swapping (MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


@dataclass(frozen=True)
class MemoryEstimate:
    """A job's peak in float32 values: ``outputs`` full-size result arrays, plus per spatial
    block (read whole as float32) ``working`` values per pixel of the largest piece processed
    at once (a tile with its halo, on its padded FFT grid for the classical solvers)."""

    outputs: int = 1
    working: float = 8.0

    def bytes_needed(self, image_shape: Sequence[int], block_shape: Sequence[int],
                     piece_shape: Optional[Sequence[int]] = None) -> int:
        piece = math.prod(piece_shape if piece_shape is not None else block_shape)
        values = (self.outputs * math.prod(image_shape) + math.prod(block_shape)
                  + self.working * piece)
        return int(values * FLOAT32)


def check_memory(needed_bytes: int, what: str, available: Optional[int] = None) -> None:
    """Raise :class:`InvalidInput` when ``needed_bytes`` exceeds the memory available now."""
    available = available_memory_bytes() if available is None else available
    if available is None or needed_bytes <= available:
        return
    raise InvalidInput(
        f"{what} needs about {_gigabytes(needed_bytes)} of memory, but only "
        f"{_gigabytes(available)} is available; crop the image, process fewer frames at a "
        "time (a slice of the stack), or close other programs")


def _gigabytes(count: int) -> str:
    return f"{count / 2**30:.1f} GB"
