"""A learned deconvolution on a CUDA GPU gives all its device memory back, finished or
cancelled, and restores as the CPU does within the GPU's number formats. Skipped without a GPU
(run `pytest -m cuda` where one is lent)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_inverse import CancelToken, Cancelled, Optics, deconvolve
from napari_inverse.simulate.pairs import deconvolution_pair

pytestmark = pytest.mark.cuda


@pytest.fixture(scope="module")
def blurred():
    """Two tiles wide (`zoo.inference.TILE_2D`), so a job has a tile to cancel before."""
    pair = deconvolution_pair(0, (96, 800), "microtubules")
    return pair.input, Optics(**pair.metadata["optics"])


def _run_to_the_end(image, optics) -> None:
    result = deconvolve(image, "mrbcr", optics=optics, device="cuda")
    assert result.metadata["device"] == "cuda"


def _cancel_after_the_first_tile(image, optics) -> None:
    token = CancelToken()
    with pytest.raises(Cancelled) as cancelled:
        deconvolve(image, "mrbcr", optics=optics, device="cuda", cancel=token,
                   progress=lambda done, total, message: token.set())
    assert cancelled.value.__traceback__ is not None  # held, as the dock holds it


@pytest.mark.parametrize("job", [_run_to_the_end, _cancel_after_the_first_tile])
def test_a_cuda_deconvolution_gives_its_device_memory_back(blurred, job):
    """What stays allocated after a job is what was before it. cuBLAS allocates its workspace
    on its first product and keeps it for the process's life, as the CUDA context, so a first
    small job runs before the count starts."""
    image, optics = blurred
    _run_to_the_end(image[:64, :64], optics)
    torch.cuda.synchronize()
    allocated, reserved = torch.cuda.memory_allocated(), torch.cuda.memory_reserved()
    job(image, optics)
    torch.cuda.synchronize()
    assert torch.cuda.memory_allocated() == allocated
    assert torch.cuda.memory_reserved() <= reserved  # given back to the driver, not cached


@pytest.mark.parametrize("method", ["mrbcr", "srbcr"])
@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_a_cuda_deconvolution_restores_as_the_cpu_does(blurred, method, precision):
    """Against the CPU in float32: on the GPU cuDNN convolves float32 in TF32 (10 significant
    bits) and bfloat16 keeps 8, so the bound is bfloat16's (tests/nets/test_bcr_inference.py)."""
    image, optics = blurred
    cpu = deconvolve(image, method, optics=optics, device="cpu", precision="float32").image
    gpu = deconvolve(image, method, optics=optics, device="cuda", precision=precision)
    assert gpu.metadata["device"] == "cuda" and gpu.metadata["precision"] == precision
    assert gpu.image.dtype == np.float32 and gpu.image.shape == cpu.shape
    error, span = np.abs(gpu.image - cpu), cpu.max() - cpu.min()
    assert error.max() <= 0.03 * span
    assert error.mean() <= 0.005 * span
