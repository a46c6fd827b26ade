"""Where chunks run: the local threads, local worker processes, or a dask.distributed cluster.

Each pool submits a function and waits for the first of several futures to finish, the same
way on a ``concurrent.futures`` thread pool and on a ``distributed.Client``, so the job's loop
(retries, progress, cancel) is written once.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import os
from typing import Any, Iterator, Optional

SCHEDULERS = ("threads", "processes")  # or a scheduler's address, tcp://HOST:PORT


class ThreadPool:
    """Chunks on threads of this process: arrays in memory work, and a cancel stops a chunk
    within about a second (the verb checks it between tiles and iterations)."""

    in_process = True

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor = concurrent.futures.ThreadPoolExecutor(workers, "napari-inverse-chunk")

    def share(self, value):
        return value

    def submit(self, function, *args, key: str):
        return self._executor.submit(function, *args)

    def wait_first(self, futures, timeout: float):
        done, pending = concurrent.futures.wait(
            futures, timeout, return_when=concurrent.futures.FIRST_COMPLETED)
        return done, pending

    def cancel(self, futures) -> None:
        for future in futures:
            future.cancel()

    def close(self) -> None:
        from .workers import forget_models

        self._executor.shutdown(wait=True, cancel_futures=True)
        forget_models()


class ClusterPool:
    """Chunks on the workers of a ``distributed.Client``: a lost worker's chunks run again on
    another (the scheduler's doing); a chunk that fails is retried by the job."""

    in_process = False

    def __init__(self, client, own: bool = False) -> None:
        self.client = client
        self.workers = max(len(client.scheduler_info(n_workers=-1)["workers"]), 1)
        self._own = own

    def share(self, value):
        """``value`` sent to every worker once, instead of with every chunk."""
        return self.client.scatter(value, broadcast=True, hash=False)

    def submit(self, function, *args, key: str):
        return self.client.submit(function, *args, key=key, pure=False)

    def wait_first(self, futures, timeout: float):
        from distributed import wait
        from distributed.utils import TimeoutError as DistributedTimeout

        try:
            done, pending = wait(list(futures), timeout=timeout, return_when="FIRST_COMPLETED")
        except (DistributedTimeout, TimeoutError):
            return set(), set(futures)
        return set(done), set(pending)

    def cancel(self, futures) -> None:
        self.client.cancel(list(futures))

    def close(self) -> None:
        if self._own:
            cluster = self.client.cluster
            self.client.close()
            if cluster is not None:
                cluster.close()


def check_scheduler(scheduler: Any) -> None:
    """Refuse what :func:`open_pool` cannot open, before any work or output."""
    from ..engine.validation import InvalidInput

    known = scheduler in SCHEDULERS or (isinstance(scheduler, str) and "://" in scheduler) or (
        hasattr(scheduler, "submit") and hasattr(scheduler, "scheduler_info"))
    if not known:
        raise InvalidInput(f"unknown scheduler {scheduler!r}; use 'threads', 'processes', an "
                           "address like tcp://10.0.0.1:8786, or a distributed.Client")


@contextlib.contextmanager
def open_pool(scheduler: Any = "threads", workers: Optional[int] = None) -> Iterator:
    """The pool for ``scheduler``: "threads", "processes" (a local cluster of ``workers``
    processes with one thread each, on 127.0.0.1), an address "tcp://HOST:PORT", or a
    ``distributed.Client`` (kept open: its owner closes it)."""
    check_scheduler(scheduler)
    count = workers or os.cpu_count() or 1
    if scheduler == "threads":
        pool = ThreadPool(count)
    elif scheduler == "processes":
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=":0")
        pool = ClusterPool(Client(cluster), own=True)
    elif isinstance(scheduler, str) and "://" in scheduler:
        from distributed import Client

        pool = ClusterPool(Client(scheduler), own=True)
    else:
        pool = ClusterPool(scheduler)
    try:
        yield pool
    finally:
        pool.close()
