"""What each worker keeps for a whole job: its device, and its loaded models (one per worker).

A worker is a process of a cluster or a thread of the local pool. Models are loaded at the
worker's first chunk and kept for every chunk after (a GPU's weights too, which the verbs free
after each call); GPU workers take one device each, by their number, so two never share one.
"""
from __future__ import annotations

import itertools
import re
import threading
from typing import Optional

_models: dict = {}
_models_lock = threading.Lock()
_thread_slots = threading.local()
_next_thread_slot = itertools.count()


def pinned_device(requested: str, slot: int, gpu_count: int) -> str:
    """The device worker number ``slot`` uses: the ``slot % gpu_count``-th GPU when ``requested``
    is "auto" or "cuda" and several GPUs are visible; ``requested`` itself otherwise (a named
    device, or the one GPU a scheduler such as dask-cuda made the worker's only one)."""
    if requested in ("auto", "cuda") and gpu_count > 1:
        return f"cuda:{slot % gpu_count}"
    return requested


def worker_slot() -> int:
    """This worker's number: a dask worker's name ("3", "SLURMCluster-0-3": its last number),
    or, in a thread of the local pool, the order in which the thread first asked."""
    try:
        from distributed import get_worker

        name = str(get_worker().name)
    except (ImportError, ValueError):
        name = None
    if name is not None:
        digits = re.findall(r"\d+", name)
        return int(digits[-1]) if digits else sum(name.encode())
    if not hasattr(_thread_slots, "slot"):
        _thread_slots.slot = next(_next_thread_slot)
    return _thread_slots.slot


def worker_device(requested: str) -> str:
    """:func:`pinned_device` for the worker running this call."""
    import torch

    return pinned_device(requested, worker_slot(), torch.cuda.device_count())


def worker_model(model: str, method: str, task: str, device: str):
    """The worker's loaded ``model`` on ``device``: loaded at its first use, kept afterwards."""
    from ..engine.device import select_device
    from ..methods.model_restoration import load_checked_model

    key = (model, method, task, device)
    with _models_lock:
        loaded: Optional[object] = _models.get(key)
        if loaded is None:
            loaded = load_checked_model(model, method, task, select_device(device))
            _models[key] = loaded
    return loaded


def forget_models() -> None:
    """Drop every kept model and give a GPU's memory back: the local threads' job is over (the
    napari process goes on), or a worker changes jobs."""
    from ..zoo.registry import forget_shared_models

    with _models_lock:
        _models.clear()
    forget_shared_models()  # and the GPU networks verbs run whole per chunk kept
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()
