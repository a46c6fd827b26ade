"""A shipped model reloaded from the zoo reproduces the benchmark PSNR its card states."""
from __future__ import annotations

import pytest

from napari_inverse.benchmarks.datasets import deconvolution_sets
from napari_inverse.benchmarks.quality import evaluate, learned_methods
from napari_inverse.zoo import find_model


@pytest.mark.slow
@pytest.mark.parametrize("method", learned_methods(), ids=lambda m: m.name)
def test_reloaded_model_reproduces_its_card(method):
    stated = find_model(method.model).card.metrics["benchmark_psnr_db"]
    microtubules = deconvolution_sets()[0]
    measured = evaluate(method, microtubules, device="cpu", measure_resolution=False).psnr
    assert measured == pytest.approx(stated[microtubules.name], abs=0.05)
