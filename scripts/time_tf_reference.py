"""Time the TensorFlow reference m-rBCR (debcr 0.1.0) on this machine, for the learned-speed bench.

Why: issue 4's speed target is relative to the reference implementation, so its throughput must
be measured on the same CPU as ours, not quoted. TensorFlow must never enter the project's
environment (it pins numpy < 1.24), so this runs in a separate virtual environment:

    python3 -m venv /tmp/tfenv
    /tmp/tfenv/bin/pip install "tensorflow-cpu==2.12.*" "numpy<1.24" && \
        /tmp/tfenv/bin/pip install --no-deps debcr==0.1.0
    /tmp/tfenv/bin/python scripts/time_tf_reference.py 512 2048

The network is debcr's own builder (`debcr/_core/model/m_rBCR.py`, loaded from its file because
the package's __init__ imports plotting and I/O libraries the timing does not need) with its
untrained initial weights: the arithmetic, and so the time, does not depend on the weights. Each
size is one whole image through `model.predict`, as our bench runs one whole image; the three
inputs are the strided subsamplings debcr's `multi_input` makes. Prints one JSON line per size:
fastest of three calls (the first builds TensorFlow's graph and is slower), megapixels per second
and the process's peak resident memory.
"""
from __future__ import annotations

import importlib.util
import json
import re
import sys
import time

import numpy as np
import tensorflow as tf


def _reference_builder():
    package = importlib.util.find_spec("debcr").submodule_search_locations[0]  # not imported
    path = f"{package}/_core/model/m_rBCR.py"
    spec = importlib.util.spec_from_file_location("debcr_m_rBCR", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.m_rBCR


def _peak_rss_mib() -> float:
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\s+(\d+)", status.read()).group(1)) / 1024


def time_size(build, side: int, runs: int = 3) -> dict:
    model = build(input_shape=(side, side, 1))
    image = np.random.default_rng(0).random((1, side, side, 1), dtype=np.float32)
    inputs = [image, image[:, ::2, ::2], image[:, ::4, ::4]]
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        model.predict(inputs, batch_size=1, verbose=0)
        seconds.append(time.perf_counter() - started)
    best = min(seconds)
    return {"side": side, "parameters": model.count_params(), "seconds": round(best, 2),
            "all_seconds": [round(s, 2) for s in seconds],
            "mp_per_s": round(side**2 / best / 1e6, 4),
            "peak_rss_mib": round(_peak_rss_mib()), "tensorflow": tf.__version__}


if __name__ == "__main__":
    builder = _reference_builder()
    for size in sys.argv[1:] or ["2048"]:
        print(json.dumps(time_size(builder, int(size))), flush=True)
