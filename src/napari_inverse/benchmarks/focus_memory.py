"""Peak memory of ``segment_focus`` on a large focal stack, in a fresh interpreter.

Run as ``python -m napari_inverse.benchmarks.focus_memory SPEC`` (SPEC: JSON with "planes" and
"side"). The stack is a lazy dask array made slice by slice, so what the process holds is the
verb's own: the boolean mask it returns and the (Y, X) maps of the slice it is on.
"""
from __future__ import annotations

import json
import sys
import time

from .worker import peak_rss_bytes


def measure(planes: int, side: int) -> dict:
    import dask.array as da

    from napari_inverse import segment_focus

    stack = da.random.default_rng(0).random((planes, side, side), dtype="float32",
                                            chunks=(1, side, side))
    baseline = peak_rss_bytes()
    started = time.perf_counter()
    result = segment_focus(stack, "weak")
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_rss": peak_rss_bytes(), "baseline_rss": baseline,
            "mask_bytes": int(result.image.nbytes),
            "stack_bytes": planes * side * side * 4}


if __name__ == "__main__":
    request = json.loads(sys.argv[1])
    print(json.dumps(measure(request["planes"], request["side"])))
