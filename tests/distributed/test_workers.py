"""GPU workers take one device each; a named device or a single GPU is left as asked."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from napari_inverse.distributed import pinned_device
from napari_inverse.distributed.workers import worker_slot


def test_each_worker_takes_its_own_gpu_round_robin():
    assert [pinned_device("auto", slot, 4) for slot in range(6)] == [
        "cuda:0", "cuda:1", "cuda:2", "cuda:3", "cuda:0", "cuda:1"]
    assert pinned_device("cuda", 3, 2) == "cuda:1"


def test_a_named_device_or_a_single_gpu_is_left_alone():
    assert pinned_device("cuda:1", 0, 4) == "cuda:1"
    assert pinned_device("cpu", 5, 4) == "cpu"
    assert pinned_device("auto", 5, 1) == "auto"  # dask-cuda: each worker sees one GPU
    assert pinned_device("auto", 5, 0) == "auto"


def test_threads_of_the_local_pool_get_numbers_of_their_own():
    both_running = threading.Barrier(2)

    def slot(_):
        both_running.wait(timeout=10)
        return worker_slot(), worker_slot()

    with ThreadPoolExecutor(2) as pool:
        (first, again), (second, _) = pool.map(slot, range(2))
    assert first == again and first != second
