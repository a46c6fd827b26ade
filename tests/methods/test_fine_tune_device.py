"""After fine_tune the model lives on the CPU and the accelerator has its memory back, so a GUI
session that trains, then keeps the result, holds no GPU memory (the issue's "GPU memory never
freed" complaint from other training plugins)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_inverse import fine_tune

TINY = dict(start=None, patch=32, batch_size=2, steps=2)


@pytest.fixture
def image(single_thread):
    return np.random.default_rng(0).poisson(5.0, (64, 64)).astype(np.float32)


def test_the_trained_model_is_returned_on_the_cpu(image):
    result = fine_tune(image, device="cpu", **TINY)
    assert {p.device.type for p in result.model.net.parameters()} == {"cpu"}
    assert result.model.device == torch.device("cpu")


def test_the_optimiser_state_is_dropped_before_device_memory_is_released(image, monkeypatch):
    """On a CPU the release is a no-op, so check what it depends on: when fit releases, Adam's
    moments (device tensors as large as the network twice over) are gone."""
    from napari_inverse.training import loop

    optimisers, moments_at_release = [], []

    class RecordedAdam(torch.optim.Adam):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            optimisers.append(self)

    monkeypatch.setattr(torch.optim, "Adam", RecordedAdam)
    monkeypatch.setattr(loop, "release_device_memory", lambda device: moments_at_release.append(
        sum(len(o.state) for o in optimisers)))
    fine_tune(image, device="cpu", **TINY)
    assert len(optimisers) == 1 and moments_at_release == [0]


@pytest.mark.cuda  # on the CPU: test_the_optimiser_state_is_dropped_before_device_memory_...
def test_a_cuda_run_gives_all_its_memory_back(image):
    torch.cuda.synchronize()
    allocated, reserved = torch.cuda.memory_allocated(), torch.cuda.memory_reserved()
    result = fine_tune(image, device="cuda", **TINY)
    torch.cuda.synchronize()
    assert torch.cuda.memory_allocated() == allocated  # with the result still held
    assert torch.cuda.memory_reserved() <= reserved  # given back to the driver, not cached
    assert {p.device.type for p in result.model.net.parameters()} == {"cpu"}
