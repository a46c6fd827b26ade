"""The composed BCR inference path computes exactly the networks' function, for random and
shipped weights, in float32 and bfloat16, on the CPU and (marked ``cuda``) on a GPU."""
from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from napari_inverse.nets import MRBCR, SRBCR
from napari_inverse.nets.bcr_inference import (ComposedMRBCR, ComposedSRBCR, _add_rows,
                                               _add_to_slice, _copy_of_slice, _pixels)
from napari_inverse.zoo import forget_shared_models, load_model, load_model_for_inference

CASES = [(MRBCR, ComposedMRBCR, lambda out: out[0]), (SRBCR, ComposedSRBCR, lambda out: out)]
SHAPES = [(1, 1, 37, 50), (2, 1, 37, 51), (2, 1, 64, 48)]  # odd sizes, batch 2


def _assert_same(fast: torch.Tensor, reference: torch.Tensor) -> None:
    assert fast.shape == reference.shape
    scale = reference.abs().max().item()
    assert scale > 0
    assert (fast - reference).abs().max().item() <= 1e-5 * scale


def _assert_within_bfloat16_rounding(fast: torch.Tensor, reference: torch.Tensor) -> None:
    """bfloat16 keeps 8 significant bits: a shipped model's output moves by a few per cent of
    its range at most, a few per mille on average (its PSNR by a few hundredths of a dB)."""
    assert fast.dtype == torch.bfloat16 and fast.shape == reference.shape
    error = (fast.float() - reference).abs()
    scale = reference.abs().max()
    assert error.max() <= 0.03 * scale
    assert error.mean() <= 0.005 * scale


def _assert_rounds_like_the_forward_pass(network: nn.Module, composed, full_resolution,
                                         x: torch.Tensor) -> None:
    """In bfloat16 the composed path rounds other intermediate values than the plain forward,
    but it may not lose more: its distance from the function both round (the same weights in
    float32) stays within that of the plain forward in bfloat16, with a margin."""
    with torch.inference_mode():
        fast = composed(network)(x)
        plain = full_resolution(network(x))
        exact = full_resolution(copy.deepcopy(network).float()(x.float()))
    assert fast.dtype == torch.bfloat16 and fast.shape == exact.shape
    fast_error, plain_error = (fast.float() - exact).abs(), (plain.float() - exact).abs()
    assert fast_error.mean() <= 1.5 * plain_error.mean()
    assert fast_error.max() <= 2.0 * plain_error.max()


def _random_network(network: type[nn.Module], device: str = "cpu") -> nn.Module:
    """The network with every weight and bias moved off Keras's initial values (biases start at
    zero, so a dropped bias would go unseen), laid out channels-last as the zoo loads it."""
    torch.manual_seed(1)
    net = network().eval()
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return net.to(device, memory_format=torch.channels_last)


@pytest.mark.parametrize("network, composed, full_resolution", CASES)
@pytest.mark.parametrize("shape", SHAPES)
def test_composed_evaluation_equals_the_forward_pass(network, composed, full_resolution, shape):
    net = _random_network(network)
    x = torch.rand(shape)
    with torch.inference_mode():
        _assert_same(composed(net)(x), full_resolution(net(x)))


@pytest.mark.parametrize("network, composed, full_resolution", CASES)
@pytest.mark.parametrize("shape", SHAPES)
def test_composed_bfloat16_evaluation_stays_within_rounding_of_the_forward_pass(
        network, composed, full_resolution, shape):
    net = _random_network(network).to(torch.bfloat16)
    _assert_rounds_like_the_forward_pass(net, composed, full_resolution,
                                         torch.rand(shape).to(torch.bfloat16))


SHIPPED = [("mrbcr-widefield", lambda out: out[0]), ("srbcr-widefield", lambda out: out)]


@pytest.mark.parametrize("name, full_resolution", SHIPPED)
def test_shipped_models_predict_their_forward_pass(name, full_resolution):
    model = load_model(name)  # channels-last weights, as the verbs run them
    x = torch.rand(1, 1, 70, 66) * 2.0
    with torch.inference_mode():
        fast = model.predict(x)[0]
        _assert_same(fast, full_resolution(model.net(x)))


@pytest.mark.parametrize("name, full_resolution", SHIPPED)
def test_bfloat16_evaluation_stays_within_bfloat16_rounding(name, full_resolution):
    model = load_model(name)
    x = torch.rand(1, 1, 70, 66)
    with torch.inference_mode():
        fast = model.predict(x, torch.bfloat16)[0]
        _assert_within_bfloat16_rounding(fast, full_resolution(model.net(x)))


@pytest.mark.parametrize("network, composed, full_resolution", CASES)
def test_the_composed_path_ignores_the_gradient_mode(network, composed, full_resolution):
    """The same numbers with gradients enabled as in inference mode, and no graph: the
    composed path is chosen by name, never by the mode it is called in."""
    net, x = _random_network(network), torch.rand(1, 1, 33, 29)
    evaluate = composed(net)
    with torch.enable_grad():
        tracked = evaluate(x)
    with torch.inference_mode():
        untracked = evaluate(x)
    assert not tracked.requires_grad and torch.equal(tracked, untracked)


def test_a_loaded_model_composes_its_weights_once_per_number_format(monkeypatch):
    made = []
    compose = ComposedMRBCR.__init__

    def counted(self, net):
        made.append(next(net.parameters()).dtype)
        compose(self, net)

    monkeypatch.setattr(ComposedMRBCR, "__init__", counted)
    forget_shared_models()  # another test may have composed the shared model's weights
    x = torch.rand(1, 1, 24, 20)
    with torch.inference_mode():
        for _ in range(2):  # two jobs share the CPU model, and with it what was composed
            model = load_model_for_inference("mrbcr-widefield")
            for dtype in (torch.float32, torch.bfloat16, torch.float32):
                model.predict(x, dtype)
    assert made == [torch.float32, torch.bfloat16]


def _with_a_step_changed(net: MRBCR) -> MRBCR:
    changed = copy.deepcopy(net)
    step = changed.inverses[0].blocks[1].steps[2]
    step.insert(2, nn.ReLU())  # (conv, ReLU, conv) -> (conv, ReLU, ReLU, conv)
    return changed


def _with_another_activation(net: MRBCR) -> MRBCR:
    changed = copy.deepcopy(net)
    changed.encoders[1][3] = nn.GELU()
    return changed


@pytest.mark.parametrize("change", [_with_a_step_changed, _with_another_activation])
def test_a_block_built_differently_is_an_error_not_a_wrong_result(change):
    with pytest.raises(TypeError, match="expected layers"):
        ComposedMRBCR(change(MRBCR()))


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
    _add_rows(_pixels(features), _pixels(residual))
    assert torch.equal(features, expected)


@pytest.fixture
def exact_cuda_float32():
    """cuDNN convolves float32 in TF32 (10 significant bits) unless told not to; the float32
    comparison is of the function, so both paths run in full float32 (and with cuDNN's
    default algorithms, whatever an earlier training left `benchmark` at)."""
    matmul = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("highest")
    try:
        with torch.backends.cudnn.flags(enabled=True, benchmark=False, allow_tf32=False):
            yield
    finally:
        torch.set_float32_matmul_precision(matmul)


@pytest.mark.cuda
@pytest.mark.parametrize("network, composed, full_resolution", CASES)
@pytest.mark.parametrize("shape", SHAPES)
def test_composed_evaluation_equals_the_forward_pass_on_cuda(
        network, composed, full_resolution, shape, exact_cuda_float32):
    """As on the CPU, to 1e-4 of the range: cuDNN picks other algorithms (Winograd, FFT) for
    the composed and the plain convolutions, and rounds differently doing so."""
    net = _random_network(network, "cuda")
    x = torch.rand(shape, device="cuda")
    with torch.inference_mode():
        fast, reference = composed(net)(x), full_resolution(net(x))
    assert fast.device.type == "cuda" and fast.shape == reference.shape
    assert (fast - reference).abs().max() <= 1e-4 * reference.abs().max()


@pytest.mark.cuda
@pytest.mark.parametrize("network, composed, full_resolution", CASES)
@pytest.mark.parametrize("shape", SHAPES)
def test_composed_bfloat16_evaluation_stays_within_rounding_on_cuda(
        network, composed, full_resolution, shape, exact_cuda_float32):
    net = _random_network(network, "cuda").to(torch.bfloat16)
    _assert_rounds_like_the_forward_pass(net, composed, full_resolution,
                                         torch.rand(shape, device="cuda").to(torch.bfloat16))
