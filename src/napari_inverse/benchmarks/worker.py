"""One benchmark measurement in a fresh interpreter.

Run as ``python -m napari_inverse.benchmarks.worker SPEC`` (SPEC: JSON from measure.py).

A fresh process per case makes the peak resident memory (VmHWM) that case's own, never a
leftover of an earlier one. It prints one JSON line: seconds, runs, peak and baseline RSS, threads.
"""
from __future__ import annotations

import json
import os
import re
import sys
import time

# A case runs up to ``max_runs`` times, stopping once this budget is spent, and reports the
# fastest run: the one least disturbed by other work on the machine (timeit's reasoning).
REPEAT_BUDGET_S = 20.0


def best_time(run, max_runs: int, prepare=None) -> tuple[float, int]:
    """Seconds of the fastest of up to ``max_runs`` calls of ``run()``, and how many were made.

    ``prepare()``, when given, runs untimed before each call.
    """
    times: list[float] = []
    while len(times) < max_runs and sum(times) < REPEAT_BUDGET_S:
        if prepare is not None:
            prepare()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times), len(times)


def peak_rss_bytes() -> int:
    """Highest resident set size of this process so far (Linux VmHWM; ru_maxrss elsewhere)."""
    try:
        with open("/proc/self/status") as status:
            match = re.search(r"^VmHWM:\s+(\d+)\s+kB", status.read(), re.MULTILINE)
        if match:
            return int(match.group(1)) * 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def run_ours(spec: dict) -> dict:
    import warnings

    import numpy as np
    import torch

    from napari_inverse import Optics
    from napari_inverse.benchmarks.cases import LEARNED_TITLES, NA, PIXEL_SIZE_NM, WAVELENGTH_NM
    from napari_inverse.engine.memory import return_freed_memory
    from napari_inverse.methods import deconvolve
    from napari_inverse.zoo import forget_shared_models

    baseline = peak_rss_bytes()
    image = np.load(spec["image"], mmap_mode="r")
    if spec["method"] in LEARNED_TITLES:  # a trained network: no PSF, its own tiling
        warnings.simplefilter("ignore")  # the pixel-size advice is beside the point here
        options = {"optics": Optics(NA, WAVELENGTH_NM, PIXEL_SIZE_NM),
                   "precision": spec["precision"]}
    else:
        options = {"psf": np.load(spec["psf"]), "iterations": spec["iterations"],
                   "tile_shape": spec["tile_shape"]}
    def as_a_first_call() -> None:
        """Every run builds its model and faults its memory in again, as a session's first
        click does: the network a verb shares and the heap kept for 3 s would flatter runs 2–3."""
        forget_shared_models()
        return_freed_memory()

    results = []

    def call() -> None:
        results.append(deconvolve(image, spec["method"], device=spec["device"], **options))

    seconds, runs = best_time(call, spec["max_runs"], prepare=as_a_first_call)
    kept = {}
    if spec["method"] in LEARNED_TITLES and seconds < REPEAT_BUDGET_S:
        # Every later click of a session: the verb's shared network is kept (built once per
        # session, ~0.1 s for m-rBCR's 148 modules, 0.03 s for CARE), the heap returned after
        # a pause. Where one call outlasts the budget the build is under 1 % of it: not timed.
        kept_seconds, kept_runs = best_time(call, spec["max_runs"], prepare=return_freed_memory)
        kept = {"kept_seconds": kept_seconds, "kept_runs": kept_runs}
    result = results[-1]
    return {
        "seconds": seconds,
        "runs": runs,
        **kept,
        "peak_rss": peak_rss_bytes(),
        "baseline_rss": baseline,
        "threads": torch.get_num_threads(),
        "device": result.metadata["device"],
        "precision": result.metadata.get("precision"),
        "tiles": result.metadata.get("tiles", "—"),
    }


def run_skimage(spec: dict) -> dict:
    import numpy as np
    from skimage.restoration import richardson_lucy

    baseline = peak_rss_bytes()
    image = np.load(spec["image"])
    psf = np.load(spec["psf"])
    seconds, runs = best_time(
        lambda: richardson_lucy(image, psf, num_iter=spec["iterations"], clip=False),
        spec["max_runs"],
    )
    return {"seconds": seconds, "runs": runs, "peak_rss": peak_rss_bytes(),
            "baseline_rss": baseline, "threads": 1, "device": "cpu", "tiles": 1}


def load_average() -> float:
    """1-minute load average as the case ends: about the worker's thread count when it ran
    alone, more when other programs shared the CPU and slowed it down."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return float("nan")


if __name__ == "__main__":
    request = json.loads(sys.argv[1])
    run = run_ours if request["tool"] == "napari-inverse" else run_skimage
    print(json.dumps({**run(request), "load": load_average()}))
