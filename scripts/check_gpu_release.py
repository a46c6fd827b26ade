"""On a CUDA machine: a cancelled verb keeps no more device memory than a finished one, even while
its exception (which the napari dock keeps to report) is still alive. Prints the bytes found."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import napari_inverse as ni  # noqa: E402
from napari_inverse.engine import CancelToken, Cancelled  # noqa: E402


def main() -> int:
    """For each method: device memory still allocated after a finished job, after a cancelled one
    whose exception is kept, and after cuBLAS's workspace (kept by the library for the process's
    life, like the CUDA context) is cleared too; a cancelled job may keep no more than a
    finished one."""
    stack = np.random.default_rng(0).random((4, 512, 512), dtype=np.float32)
    optics = ni.Optics(na=1.4, wavelength_nm=520, pixel_size_nm=80)
    torch.cuda.synchronize()
    start = torch.cuda.memory_allocated()
    failures = 0
    for method in ("mrbcr", "care", "richardson_lucy", "wiener"):
        ni.deconvolve(stack, method, axes="TYX", optics=optics, device="cuda")
        finished = _allocated(start)
        token = CancelToken()
        try:
            ni.deconvolve(stack, method, axes="TYX", optics=optics, device="cuda", cancel=token,
                          progress=lambda done, total, message: token.set())
            held = None
        except Cancelled as error:
            held = error  # kept, as the dock keeps it
        cancelled = _allocated(start)
        torch._C._cuda_clearCublasWorkspaces()
        print(f"{method}: bytes allocated after a finished job {finished}, after a cancelled one "
              f"{cancelled} (exception kept: {held is not None}), without cuBLAS's workspace "
              f"{_allocated(start)}", flush=True)
        failures += cancelled > finished or held is None
    return 1 if failures else 0


def _allocated(start: int) -> int:
    torch.cuda.synchronize()
    return torch.cuda.memory_allocated() - start


if __name__ == "__main__":
    sys.exit(main())
