"""On a CUDA machine: a cancelled or failed verb leaves no device memory allocated, even while its
exception (which the napari dock keeps to report) is still alive. Prints the bytes found."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import napari_inverse as ni  # noqa: E402
from napari_inverse.engine import CancelToken, Cancelled  # noqa: E402


def main() -> int:
    stack = np.random.default_rng(0).random((4, 512, 512), dtype=np.float32)
    failures = 0
    for method in ("mrbcr", "care", "richardson_lucy"):
        torch.cuda.synchronize()
        before = torch.cuda.memory_allocated()
        token = CancelToken()
        optics = ni.Optics(na=1.4, wavelength_nm=520, pixel_size_nm=80)
        try:
            ni.deconvolve(stack, method, axes="TYX", optics=optics, device="cuda", cancel=token,
                          progress=lambda done, total, message: token.set())
            held = None
        except Cancelled as error:
            held = error  # kept, as the dock keeps it
        torch.cuda.synchronize()
        left = torch.cuda.memory_allocated() - before
        print(f"{method}: cancelled={held is not None}, allocated after the job {left} bytes, "
              f"reserved {torch.cuda.memory_reserved()} bytes", flush=True)
        failures += left > 0 or held is None
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
