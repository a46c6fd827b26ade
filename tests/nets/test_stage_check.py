"""Forward passes call the installed check between their stages: a job can stop mid-tile."""
from __future__ import annotations

import pytest
import torch

from napari_inverse.nets import MRBCR, SRBCR, UNet
from napari_inverse.nets.bcr_inference import ComposedMRBCR, ComposedSRBCR
from napari_inverse.nets.stage_check import checked_between_stages


class Stop(Exception):
    pass


PASSES = {
    "U-Net": (lambda: UNet(ndim=2), 4),
    "m-rBCR composed": (lambda: ComposedMRBCR(MRBCR().eval()), 6),
    "s-rBCR composed": (lambda: ComposedSRBCR(SRBCR().eval()), 3),
}


@pytest.mark.parametrize("name", PASSES)
def test_a_pass_checks_between_stages_and_stops_when_the_check_raises(name):
    build, at_least = PASSES[name]
    run = build()
    x = torch.rand(1, 1, 64, 48)
    with torch.no_grad():
        plain = run(x)
        calls = []
        with checked_between_stages(lambda: calls.append(1)):
            checked = run(x)
    plain, checked = (out[0] if isinstance(out, tuple) else out for out in (plain, checked))
    assert torch.equal(plain, checked) and len(calls) >= at_least

    def stop_at_the_second_stage():
        calls.append(1)
        if len(calls) > 1:
            raise Stop

    calls.clear()
    with torch.no_grad(), checked_between_stages(stop_at_the_second_stage):
        with pytest.raises(Stop):
            run(x)
    assert len(calls) == 2


def test_the_check_belongs_to_the_thread_that_installed_it():
    import threading

    calls = []
    net = UNet(ndim=2)
    with checked_between_stages(lambda: calls.append(threading.current_thread().name)):
        worker = threading.Thread(target=lambda: net(torch.rand(1, 1, 32, 32)), name="other")
        worker.start()
        worker.join()
    assert calls == []
