"""The fast BCR evaluator computes exactly the networks' function, for random and shipped weights."""
from __future__ import annotations

import pytest
import torch

from napari_inverse.nets import MRBCR, SRBCR
from napari_inverse.nets.bcr_inference import (_add_to_slice, _copy_of_slice, _pixels,
                                               _write_rows, mrbcr_restore, srbcr_restore)
from napari_inverse.zoo import load_model

CASES = [(MRBCR, mrbcr_restore, lambda out: out[0]), (SRBCR, srbcr_restore, lambda out: out)]


def _assert_same(fast: torch.Tensor, reference: torch.Tensor) -> None:
    assert fast.shape == reference.shape
    scale = reference.abs().max().item()
    assert scale > 0
    assert (fast - reference).abs().max().item() <= 1e-5 * scale


@pytest.mark.parametrize("network, restore, full_resolution", CASES)
@pytest.mark.parametrize("shape", [(1, 1, 37, 50), (2, 1, 64, 48)])
def test_fast_evaluation_equals_the_forward_pass(network, restore, full_resolution, shape):
    torch.manual_seed(1)
    net = network().eval()
    for p in net.parameters():  # Keras init leaves biases at zero; make every bias count
        p.data.add_(0.05 * torch.randn_like(p))
    x = torch.rand(shape)
    with torch.inference_mode():
        _assert_same(restore(net, x), full_resolution(net(x)))


SHIPPED = [("mrbcr-widefield", lambda out: out[0]), ("srbcr-widefield", lambda out: out)]


@pytest.mark.parametrize("name, full_resolution", SHIPPED)
def test_shipped_models_predict_their_forward_pass(name, full_resolution):
    model = load_model(name)  # channels-last weights, as the verbs run them
    x = torch.rand(1, 1, 70, 66) * 2.0
    with torch.inference_mode():
        fast = model.predict(x)[0]
        _assert_same(fast, full_resolution(model.net(x)))


def test_predict_keeps_gradients_when_they_are_asked_for():
    net = MRBCR()
    out = net.predict(torch.rand(1, 1, 32, 32))
    out.mean().backward()  # the training graph, not the in-place evaluator
    assert net.encoders[0][0].weight.grad is not None


@pytest.mark.parametrize("name, full_resolution", SHIPPED)
def test_bfloat16_evaluation_stays_within_bfloat16_rounding(name, full_resolution):
    """bfloat16 keeps 8 significant bits: on uniform noise measured at most 1.3-1.7 % of the
    output's range, 0.20-0.26 % on average (the restorations' PSNR moves by ≤ 0.03 dB)."""
    model = load_model(name)
    x = torch.rand(1, 1, 70, 66)
    with torch.inference_mode():
        fast = model.predict(x, torch.bfloat16)[0]
        reference = full_resolution(model.net(x))
    assert fast.dtype == torch.bfloat16 and fast.shape == reference.shape
    error = (fast.float() - reference).abs()
    assert error.max() <= 0.03 * reference.abs().max()
    assert error.mean() <= 0.005 * reference.abs().max()


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_channel_slice_copies_and_adds_are_exact(dtype):
    """In bfloat16 they run as products with the identity: the same numbers, bit for bit."""
    torch.manual_seed(2)
    nhwc = torch.channels_last
    accumulator = torch.randn(2, 64, 9, 7, dtype=dtype).contiguous(memory_format=nhwc)
    values = torch.randn(2, 8, 9, 7, dtype=dtype).contiguous(memory_format=nhwc)
    piece = accumulator[:, 8:16]
    copied = _copy_of_slice(piece)
    assert torch.equal(copied, piece) and copied.is_contiguous(memory_format=nhwc)
    expected = accumulator.clone()
    expected[:, 8:16] += values
    _add_to_slice(piece, values)
    assert torch.equal(accumulator, expected)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_residual_added_to_every_channel_is_exact(dtype):
    """m-rBCR's one-channel residual over 48 channels: in bfloat16 a product with a row of
    ones, the same numbers as the broadcast add, bit for bit."""
    torch.manual_seed(3)
    nhwc = torch.channels_last
    features = torch.randn(2, 48, 9, 7, dtype=dtype).contiguous(memory_format=nhwc)
    residual = torch.randn(2, 1, 9, 7, dtype=dtype).contiguous(memory_format=nhwc)
    expected = features + residual
    _write_rows(_pixels(features), _pixels(residual), accumulate=True)
    assert torch.equal(features, expected)
