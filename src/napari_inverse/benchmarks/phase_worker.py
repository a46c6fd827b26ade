"""One phase-retrieval timing in a fresh interpreter, so its peak memory is its own.

Run as ``python -m napari_inverse.benchmarks.phase_worker SPEC`` (SPEC: JSON with the .npy
stack, the method and the device); prints one JSON line: seconds, runs, peak RSS, threads.
"""
from __future__ import annotations

import json
import sys

from .worker import best_time, load_average, peak_rss_bytes


def run(spec: dict) -> dict:
    import numpy as np
    import torch

    from napari_inverse import Optics, retrieve_phase
    from napari_inverse.benchmarks import phase_sets as sets

    baseline = peak_rss_bytes()
    stack = np.load(spec["image"], mmap_mode="r")
    optics = Optics(na=sets.NA, wavelength_nm=sets.WAVELENGTH_NM,
                    pixel_size_nm=sets.PIXEL_SIZE_NM, refractive_index=sets.N_MEDIUM,
                    z_step_nm=1000.0)
    condenser = sets.OPEN_CONDENSER_NA if spec["method"] == "wotf" else None
    seconds, runs = best_time(lambda: retrieve_phase(
        stack, spec["method"], optics=optics, condenser_na=condenser, device=spec["device"]), 3)
    return {"seconds": seconds, "runs": runs, "peak_rss": peak_rss_bytes(),
            "baseline_rss": baseline, "threads": torch.get_num_threads()}


if __name__ == "__main__":
    print(json.dumps({**run(json.loads(sys.argv[1])), "load": load_average()}))
