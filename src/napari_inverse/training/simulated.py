"""Training pools built by the physics simulator, in parallel, cached as ``.npy`` files.

Each pair is a fresh specimen seen through a freshly drawn microscope (``simulate.pairs``), so a
pool of a few thousand 256² images spans the NA, wavelength, sampling and photon range the
shipped models must serve. Seeds start far above the benchmark's (1000–105 000) so no test image
is ever trained on. A cached pool is opened memory-mapped: samplers read patches lazily.
"""
from __future__ import annotations

import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from ..simulate.pairs import MicroscopeRanges

TRAINING_SEED_BASE = 10_000_000
VALIDATION_SEED_BASE = 20_000_000
TASKS = ("deconvolution", "denoising", "focus", "super_resolution", "phase")
# in cached pools' names: targets made by a rule that changed, so an older cache is not reused
LABEL_RULES = {"focus": "-depth-of-field-labels"}


def weakly_labelled_focus_pair(seed: int, shape, ranges):
    """A simulated focal stack → its weak labels (`classical.focus`), never its true masks:
    the in-focus network learns without annotation, as on a user's stacks whose microscope is
    known (the depth-of-field rule, from the stack's optics)."""
    from ..classical.focus import weak_labels
    from ..optics import Optics
    from ..simulate import pairs

    stack = pairs.focus_pair(seed, shape, ranges=ranges)
    labels = weak_labels(stack.input, optics=Optics(**stack.metadata["optics"]))[0]
    return pairs.Pair(stack.input, labels, stack.metadata)


def _builder(task: str):
    from ..simulate import pairs
    from .phase_data import phase_pair

    try:
        return {"deconvolution": pairs.deconvolution_pair, "denoising": pairs.denoising_pair,
                "focus": weakly_labelled_focus_pair, "phase": phase_pair,
                "super_resolution": _super_resolution_pair}[task]
    except KeyError:
        raise ValueError(f"no simulated training data for task {task!r}; "
                         f"known: {', '.join(TASKS)}") from None


def _super_resolution_pair(seed: int, shape, ranges):
    """Widefield → SIM-like; every other pair recorded with 2× larger pixels and interpolated
    back, so one model serves images on the target's grid and 2× up-sampled ones."""
    from ..simulate import pairs

    return pairs.super_resolution_pair(seed, shape, ranges=ranges, input_binning=1 + seed % 2)


def _one_thread_per_worker() -> None:
    """Pool workers simulate in parallel already: one torch thread each, no oversubscription."""
    import torch

    torch.set_num_threads(1)


def _build_chunk(task: str, seeds: Sequence[int], shape: tuple[int, int],
                 ranges):
    build = _builder(task)
    pairs = [build(int(s), shape, ranges=ranges) for s in seeds]
    return (np.stack([p.input for p in pairs]).astype(np.float32),
            np.stack([p.target for p in pairs]).astype(np.float32))


def build_pool(task: str, n_images: int, shape: tuple[int, int], first_seed: int,
               workers: int = 1, ranges=MicroscopeRanges()
               ) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, targets), each (n_images, *shape) float32 in photo-electrons, every pair through
    a microscope drawn from ``ranges`` (phase: (n, C, *shape) conditions, phases in rad)."""
    _builder(task)
    seeds = np.arange(first_seed, first_seed + n_images)
    if workers <= 1:
        return _build_chunk(task, seeds, shape, ranges)
    chunks = np.array_split(seeds, workers * 4)
    n = len(chunks)
    with ProcessPoolExecutor(workers, initializer=_one_thread_per_worker) as pool:
        parts = list(pool.map(_build_chunk, [task] * n, chunks, [shape] * n, [ranges] * n))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def cached_pool(task: str, n_images: int, shape: tuple[int, int], first_seed: int,
                folder: Optional[Path], workers: int = 1,
                ranges=MicroscopeRanges()) -> tuple[np.ndarray, np.ndarray]:
    """:func:`build_pool`, saved in ``folder`` and memory-mapped on later calls.

    A pool drawn from other than the default ranges carries a digest of them in its file names,
    so pools of different microscopes never stand in for each other.
    """
    if folder is None:
        return build_pool(task, n_images, shape, first_seed, workers, ranges)
    folder = Path(folder)
    stem = f"{task}-{n_images}x{shape[0]}x{shape[1]}-seed{first_seed}{LABEL_RULES.get(task, '')}"
    if ranges != type(ranges)():
        stem += f"-ranges{hashlib.sha256(repr(ranges).encode()).hexdigest()[:10]}"
    paths = folder / f"{stem}-input.npy", folder / f"{stem}-target.npy"
    if not all(p.is_file() for p in paths):
        inputs, targets = build_pool(task, n_images, shape, first_seed, workers, ranges)
        for path, array in zip(paths, (inputs, targets)):
            save_pool_array(path, array)
    return tuple(np.load(p, mmap_mode="r") for p in paths)


def save_pool_array(path: Path, array: np.ndarray) -> None:
    """Save a pool's array so a run stopped half-way never leaves a truncated file under its
    cached name: written beside it, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part.npy")
    np.save(temporary, array)
    os.replace(temporary, path)
