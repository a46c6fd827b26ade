"""The sliced real FFTs give torch's transforms and call back between slices."""
from __future__ import annotations

import pytest
import torch

from napari_inverse.optics import sliced_fft
from napari_inverse.optics.sliced_fft import sliced_irfftn, sliced_rfftn


@pytest.mark.parametrize("shape", [(37, 50), (64, 9), (5, 33, 48), (6, 70, 1)])
def test_slices_give_torchs_transforms_and_call_back_between_them(shape, monkeypatch):
    monkeypatch.setattr(sliced_fft, "WHOLE_VALUES", 0)
    monkeypatch.setattr(sliced_fft, "SLICE_VALUES", 64)
    x = torch.randn(shape, generator=torch.Generator().manual_seed(0))
    calls = []
    spectrum = sliced_rfftn(x, lambda: calls.append(1))
    torch.testing.assert_close(spectrum, torch.fft.rfftn(x), rtol=0, atol=1e-4)
    forward = len(calls)
    assert forward > 2
    back = sliced_irfftn(spectrum.clone(), shape, lambda: calls.append(1))
    torch.testing.assert_close(back, x, rtol=0, atol=1e-5)
    assert len(calls) > forward + 2


def test_a_check_that_raises_stops_the_transform(monkeypatch):
    monkeypatch.setattr(sliced_fft, "WHOLE_VALUES", 0)
    monkeypatch.setattr(sliced_fft, "SLICE_VALUES", 64)
    calls = []

    def check():
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sliced_rfftn(torch.zeros(40, 40), check)
    assert len(calls) == 2
