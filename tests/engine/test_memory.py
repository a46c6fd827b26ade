"""reuse_freed_memory: big blocks come from the reusable heap inside a job, and go back after it."""
import ctypes
import itertools
import os
import resource
import subprocess
import sys
import time

import numpy as np
import pytest

from napari_inverse.engine import memory
from napari_inverse.engine.memory import reuse_freed_memory

pytestmark = pytest.mark.skipif(memory._LIBC is None or not hasattr(memory._LIBC, "mallinfo2"),
                                reason="without glibc's mallopt (macOS, Windows, musl) "
                                "reuse_freed_memory changes nothing, and only glibc >= 2.33's "
                                "mallinfo2 shows where a block lives; this CI runs glibc 2.36")

BIG = 64 << 20  # above glibc's largest mmap threshold: a fresh mapping by default


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def _mapped_bytes() -> int:
    """Bytes glibc currently holds in separate mappings (blocks it will unmap when freed)."""
    memory._LIBC.mallinfo2.restype = _MallInfo2
    return memory._LIBC.mallinfo2().hblkhd


_probe_sizes = itertools.count(1 << 30, 8 << 20)


def _is_mapped_separately() -> bool:
    """Whether a big block gets a mapping of its own. Each probe is larger than any block freed
    before it, so no free chunk left on the heap by earlier tests can serve it; np.empty maps
    without touching the pages."""
    size = next(_probe_sizes)
    before = _mapped_bytes()
    block = np.empty(size, np.uint8)
    mapped = _mapped_bytes() - before >= size
    del block
    return mapped


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


@pytest.fixture
def quick_return(monkeypatch):
    """Tuning allowed; memory goes back 50 ms after the last job; each test starts with nothing
    kept."""
    monkeypatch.setattr(memory, "_tuning_allowed", True)
    memory.return_freed_memory()
    monkeypatch.setattr(memory, "RETURN_DELAY_S", 0.05)
    yield
    time.sleep(0.1)
    memory.return_freed_memory()


def _after_the_return() -> None:
    """Wait for a scheduled return to have run (on a loaded machine the timer thread may start
    late), and at least six times the delay."""
    time.sleep(0.3)
    deadline = time.monotonic() + 10
    while memory._pending_return is not None and time.monotonic() < deadline:
        time.sleep(0.01)


def test_big_blocks_come_from_the_heap_inside_a_job_and_from_mappings_after(quick_return):
    assert _is_mapped_separately()
    with reuse_freed_memory():
        assert not _is_mapped_separately()
    _after_the_return()
    assert _is_mapped_separately()


def test_memory_kept_for_reuse_is_returned_after_the_job(quick_return):
    with reuse_freed_memory():
        buffers = [np.ones(BIG // 8) for _ in range(4)]  # 256 MiB on the heap
        del buffers
        kept = _resident_bytes()
    _after_the_return()
    assert _resident_bytes() < kept - 3 * BIG


def test_a_job_starting_soon_after_another_reuses_its_memory(monkeypatch, quick_return):
    monkeypatch.setattr(memory, "RETURN_DELAY_S", 2.0)
    with reuse_freed_memory():
        buffers = [np.ones(BIG // 8) for _ in range(4)]
        del buffers
        kept = _resident_bytes()
    with reuse_freed_memory():  # the next call of a script, within the delay
        assert _resident_bytes() > kept - BIG  # nothing was handed back in between
        again = [np.ones(BIG // 8) for _ in range(4)]
        assert _resident_bytes() < kept + BIG  # the same pages, not new ones
        del again
    memory.return_freed_memory()  # early: nothing runs, so it happens at once
    assert _resident_bytes() < kept - 3 * BIG


def test_nested_jobs_keep_the_heap_until_the_last_one_ends(quick_return):
    with reuse_freed_memory():
        with reuse_freed_memory():
            pass
        _after_the_return()
        assert not _is_mapped_separately()
    _after_the_return()
    assert _is_mapped_separately()


def test_without_glibc_nothing_is_changed_or_scheduled(monkeypatch, quick_return):
    monkeypatch.setattr(memory, "_LIBC", None)
    with reuse_freed_memory():
        pass
    assert memory._pending_return is None and not memory._keeping


def test_a_process_that_did_not_opt_in_is_left_as_it_was(quick_return, monkeypatch):
    monkeypatch.setattr(memory, "_tuning_allowed", False)
    with reuse_freed_memory():
        assert _is_mapped_separately()
    assert memory._pending_return is None and not memory._keeping


_PROBE = """
import ctypes, sys, warnings
import numpy as np
import napari_inverse as ni

class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
warnings.simplefilter("ignore")
ni.deconvolve(np.random.default_rng(0).random((64, 64), np.float32), "care")
if sys.argv[1] == "tuned":
    ni.engine.memory.return_freed_memory()

def mapped_separately(n):
    before = libc.mallinfo2().hblkhd
    block = np.ones(n // 8)
    return libc.mallinfo2().hblkhd - before >= n

# glibc's dynamic threshold: a first block of a new size is mapped, and once freed, the
# threshold rises to it, so the same size comes from the heap next time.
print(mapped_separately(30 << 20), mapped_separately(30 << 20))
"""


@pytest.mark.parametrize("opt_in, expected", [("", "True False"), ("1", "False False")])
def test_a_learned_job_leaves_glibc_dynamic_threshold_unless_opted_in(opt_in, expected):
    """Read back in a fresh process after a learned job: the dynamic threshold still works
    (napari's case), and only a process that opted in loses it."""
    env = {**os.environ, memory.TUNING_ENV: opt_in}
    run = subprocess.run([sys.executable, "-c", _PROBE, "tuned" if opt_in else "default"],
                         env=env, capture_output=True, text=True, check=True)
    assert run.stdout.split()[-2:] == expected.split()
