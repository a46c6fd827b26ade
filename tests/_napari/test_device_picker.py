"""The device picker names each GPU and its free memory (tooltip), read when the dock opens and
after each job. This machine has no GPU, so torch.cuda is stood in for by a monkeypatch."""
from __future__ import annotations

import pytest
import torch

pytestmark = pytest.mark.gui


@pytest.fixture
def one_gpu(monkeypatch):
    """torch.cuda reporting one H100 with 70 of 80 GB free."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=0: "NVIDIA H100 80GB HBM3")
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda index=0: (70e9, 80e9))


def test_the_picker_names_the_gpu_and_its_free_memory(one_gpu, open_dock):
    _, dock = open_dock()
    assert "cuda:0" in dock.device.choices
    assert "cuda:0: NVIDIA H100 80GB HBM3, 70.0 of 80.0 GB free" in dock.device.tooltip
    assert dock.device.native.toolTip() == dock.device.tooltip


def test_without_a_gpu_the_picker_offers_the_cpu_and_says_what_auto_means(open_dock,
                                                                           monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # also where a GPU is lent
    _, dock = open_dock(widget="Denoise")
    assert "cuda:0" not in dock.device.choices
    lines = dock.device.tooltip.splitlines()
    assert lines[0] == "auto: CUDA, then Apple MPS, then the CPU" and "cpu" in lines
