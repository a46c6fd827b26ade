"""Reuse freed memory during heavy CPU work, then hand it back to the system (glibc only).

glibc serves every block above its mmap threshold with a fresh mapping, so each layer output of
a network is page-faulted in, zeroed and unmapped again; keeping freed blocks for the length of a
job saves that time (figures in ``docs/benchmarks.md``). Changing any of these settings switches
off glibc's dynamic threshold for the life of the process, so nothing is changed unless the
process opts in: the command line and the benchmarks do (batch processes of their own), a script
may (:func:`allow_allocator_tuning` or ``NAPARI_INVERSE_TUNE_ALLOCATOR=1``), napari never does.
"""
from __future__ import annotations

import ctypes
import os
import threading
from contextlib import contextmanager
from typing import Iterator, Optional

# mallopt parameter numbers from glibc's malloc.h
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_MMAP_MAX = -1, -3, -4
_DYNAMIC_MMAP_THRESHOLD_MAX = 32 << 20  # glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit
_DEFAULT_MMAP_MAX = 65536
_KEEP_EVERYTHING = 2**31 - 1  # the largest trim threshold mallopt's int takes (2 GiB)

TUNING_ENV = "NAPARI_INVERSE_TUNE_ALLOCATOR"

RETURN_DELAY_S = 3.0
"""Seconds after the last job ends before the kept memory goes back to the system."""

_lock = threading.Lock()
_active_jobs = 0
_keeping = False  # the job settings are in force (from a job's start to the return)
_pending_return: Optional[threading.Timer] = None  # the one scheduled return still wanted
_tuning_allowed = os.environ.get(TUNING_ENV) == "1"


def _glibc() -> Optional[ctypes.CDLL]:
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # only glibc has it
        return libc
    except (OSError, AttributeError, TypeError):
        return None


_LIBC = _glibc()


def allow_allocator_tuning(allowed: bool = True) -> bool:
    """Let this process's jobs tune glibc's allocator (batch use: the CLI, scripts, benchmarks);
    returns the previous choice.

    Jobs are then faster on a CPU, but glibc's dynamic mmap threshold stays off for good; a
    process that hosts other software (napari) leaves this off.
    """
    global _tuning_allowed
    previous, _tuning_allowed = _tuning_allowed, allowed
    return previous


@contextmanager
def reuse_freed_memory() -> Iterator[None]:
    """Within the block, freed memory is reused instead of unmapped; afterwards it is returned.

    Only where the process opted in (:func:`allow_allocator_tuning`); otherwise it changes nothing.
    """
    global _active_jobs, _keeping, _pending_return
    if not _tuning_allowed:
        yield
        return
    with _lock:
        _active_jobs += 1
        if _pending_return is not None:
            _pending_return.cancel()  # the memory of the job before is reused, not returned
            _pending_return = None
        if not _keeping and _LIBC is not None:
            _LIBC.mallopt(_M_MMAP_MAX, 0)
            _LIBC.mallopt(_M_TRIM_THRESHOLD, _KEEP_EVERYTHING)
            _keeping = True
    try:
        yield
    finally:
        with _lock:
            _active_jobs -= 1
            if _active_jobs == 0 and _keeping:
                timer = threading.Timer(RETURN_DELAY_S, lambda: _return(timer))
                timer.daemon = True
                _pending_return = timer
                timer.start()


def return_freed_memory() -> None:
    """Restore glibc's defaults and hand the kept memory back now, unless a job is running."""
    _return(None)


def _return(timer: Optional[threading.Timer]) -> None:
    """The return itself; a timer's only if it is still the scheduled one (no job came since)."""
    global _keeping, _pending_return
    with _lock:
        if timer is not None and timer is not _pending_return:
            return
        if _pending_return is not None:
            _pending_return.cancel()
            _pending_return = None
        if _active_jobs == 0 and _keeping:
            _LIBC.mallopt(_M_MMAP_MAX, _DEFAULT_MMAP_MAX)
            _LIBC.mallopt(_M_MMAP_THRESHOLD, _DYNAMIC_MMAP_THRESHOLD_MAX)
            _LIBC.mallopt(_M_TRIM_THRESHOLD, 2 * _DYNAMIC_MMAP_THRESHOLD_MAX)
            _LIBC.malloc_trim(0)
            _keeping = False
