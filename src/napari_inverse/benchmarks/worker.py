"""One benchmark measurement in a fresh interpreter: ``python -m napari_inverse.benchmarks.worker SPEC``.

A fresh process per case makes the peak resident memory (VmHWM) that case's own, never a
leftover of an earlier one. It prints one JSON line: seconds, peak and baseline RSS, threads.
"""
from __future__ import annotations

import json
import re
import sys
import time


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
    import numpy as np
    import torch

    from napari_inverse.methods import deconvolve

    baseline = peak_rss_bytes()
    image = np.load(spec["image"], mmap_mode="r")
    psf = np.load(spec["psf"])
    started = time.perf_counter()
    result = deconvolve(
        image, spec["method"], psf=psf, iterations=spec["iterations"],
        tile_shape=spec["tile_shape"], device=spec["device"],
    )
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak_rss": peak_rss_bytes(),
        "baseline_rss": baseline,
        "threads": torch.get_num_threads(),
        "device": result.metadata["device"],
        "tiles": result.metadata["tiles"],
    }


def run_skimage(spec: dict) -> dict:
    import numpy as np
    from skimage.restoration import richardson_lucy

    baseline = peak_rss_bytes()
    image = np.load(spec["image"])
    psf = np.load(spec["psf"])
    started = time.perf_counter()
    richardson_lucy(image, psf, num_iter=spec["iterations"], clip=False)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_rss": peak_rss_bytes(), "baseline_rss": baseline,
            "threads": 1, "device": "cpu", "tiles": 1}


if __name__ == "__main__":
    request = json.loads(sys.argv[1])
    run = run_ours if request["tool"] == "napari-inverse" else run_skimage
    print(json.dumps(run(request)))
