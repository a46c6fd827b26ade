"""Start a benchmark worker with torch on the thread count ``bench --threads`` chose:
``python -m napari_inverse.benchmarks.threaded_worker N MODULE SPEC`` runs ``MODULE SPEC``.

torch caps ``OMP_NUM_THREADS`` at the core count when it starts, so a worker is told its count
here, as ``torch.set_num_threads`` tells the process that runs the suites.
"""
from __future__ import annotations

import runpy
import sys

if __name__ == "__main__":
    import torch

    torch.set_num_threads(int(sys.argv[1]))
    sys.argv = sys.argv[2:]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
