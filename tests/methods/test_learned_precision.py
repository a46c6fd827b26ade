"""The learned verbs in bfloat16: the same restoration to a hundredth of a dB, recorded as such.

Measured on these images first (2-core Zen 5): bfloat16 against float32 within 0.011 dB PSNR
for m-rBCR, s-rBCR and CARE deconvolution, 0.006 dB for CARE denoising, +0.03 dB for N2V; on
the 40 benchmark test images per model within 0.031 dB (docs/benchmarks.md).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_inverse import Optics, deconvolve, denoise
from napari_inverse.engine import InvalidInput
from napari_inverse.engine.precision import inference_dtype, precision_name
from napari_inverse.metrics import psnr
from napari_inverse.simulate.pairs import deconvolution_pair, denoising_pair
from napari_inverse.zoo import ModelCard, build_network, load_model_for_inference, save_model

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.fixture(scope="module")
def blurred():
    pair = deconvolution_pair(0, (128, 128), "microtubules")
    return pair, Optics(**pair.metadata["optics"])


@pytest.mark.parametrize("method", ["mrbcr", "srbcr", "care"])
def test_bfloat16_deconvolution_matches_float32(method, blurred):
    pair, optics = blurred
    before = pair.input.copy()
    full = deconvolve(pair.input, method, optics=optics, precision="float32")
    half = deconvolve(pair.input, method, optics=optics, precision="bfloat16")
    np.testing.assert_array_equal(pair.input, before)
    assert (full.metadata["precision"], half.metadata["precision"]) == ("float32", "bfloat16")
    assert half.image.dtype == np.float32 and half.image.shape == pair.input.shape
    assert abs(psnr(pair.target, half.image) - psnr(pair.target, full.image)) < 0.05
    assert psnr(pair.target, half.image) > psnr(pair.target, pair.input) + 3.0


def test_the_shared_network_stays_float32_beside_its_bfloat16_copy(blurred):
    pair, optics = blurred
    deconvolve(pair.input, "mrbcr", optics=optics, precision="bfloat16")
    model = load_model_for_inference("mrbcr-widefield", "cpu")
    assert {p.dtype for p in model.net.parameters()} == {torch.float32}
    in_bfloat16 = model._predictor_in(torch.bfloat16)  # runs a bfloat16 copy, kept and shared
    restored, _ = in_bfloat16(torch.rand(1, 1, 16, 16, dtype=torch.bfloat16))
    assert restored.dtype == torch.bfloat16
    shared = load_model_for_inference("mrbcr-widefield", "cpu")
    assert shared._predictor_in(torch.bfloat16) is in_bfloat16


@pytest.mark.parametrize("method", ["care", "n2v"])
def test_bfloat16_denoising_matches_float32(method):
    pair = denoising_pair(0, (96, 96), "microtubules")
    full = denoise(pair.input, method, precision="float32")
    half = denoise(pair.input, method, precision="bfloat16")
    assert abs(psnr(pair.target, half.image) - psnr(pair.target, full.image)) < 0.05


def test_a_bfloat16_uncertainty_comes_back_in_float32(tmp_path):
    card = ModelCard(name="tiny-prob", family="care", task="denoising",
                     architecture={"ndim": 2, "depth": 1, "first_filters": 4,
                                   "probabilistic": True})
    torch.manual_seed(1)
    entry = save_model(build_network(card.family, card.architecture), card, tmp_path / "tiny")
    image = np.random.default_rng(0).random((48, 48), np.float32)
    full = denoise(image, model=entry.weights, precision="float32").extras["uncertainty"]
    half = denoise(image, model=entry.weights, precision="bfloat16").extras["uncertainty"]
    assert half.dtype == np.float32 and (half > 0).all()
    np.testing.assert_allclose(half, full, rtol=0.015)  # measured 0.0045


def test_auto_records_the_format_this_machine_chose(blurred):
    pair, optics = blurred
    result = deconvolve(pair.input, "srbcr", optics=optics)
    assert result.metadata["precision"] == precision_name(inference_dtype("auto",
                                                                          torch.device("cpu")))


def test_precision_is_refused_for_classical_methods_and_unknown_names(blurred):
    pair, optics = blurred
    with pytest.raises(InvalidInput, match="precision= belong to the learned methods"):
        deconvolve(pair.input, "wiener", optics=optics, precision="bfloat16")
    with pytest.raises(InvalidInput, match="unknown precision 'half'"):
        deconvolve(pair.input, "mrbcr", optics=optics, precision="half")
