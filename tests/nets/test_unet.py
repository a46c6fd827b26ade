"""CARE / N2V / N2V2 U-Net: csbdeep's parameter count, any size in 2-D and 3-D, the options."""
from __future__ import annotations

import pytest
import torch

from napari_inverse.nets import MRBCR, SRBCR, UNet, laplace_nll, mrbcr_loss
from napari_inverse.nets.unet import BlurPool
from napari_inverse.zoo.families import parameter_count


def test_default_2d_care_unet_parameter_count():
    # conv params = k^2 cin cout + cout with k = 5, widths 32 / 64 / 128 as csbdeep's unet_block:
    # down 0: 1->32 (832), 32->32 (25,632); down 1: 32->64 (51,264), 64->64 (102,464)
    # middle: 64->128 (204,928), 128->64 (204,864)
    # up 1: (64+64)->64 (204,864), 64->32 (51,232); up 0: (32+32)->32 (51,232), 32->32 (25,632)
    # final 1x1: 32->1 (33)                                                      total 922,977
    assert parameter_count(UNet()) == 922_977


def test_n2v2_drops_only_the_top_skip():
    # blur-pool has no parameters; without the top skip the first top decoder conv sees 32
    # instead of 64 channels: 5^2 * 32 * 32 weights fewer
    assert parameter_count(UNet()) - parameter_count(UNet(n2v2=True)) == 25 * 32 * 32
    assert isinstance(UNet(n2v2=True).pool, BlurPool)


def test_blur_pool_halves_the_size_and_keeps_a_constant_inside():
    out = BlurPool(2)(torch.full((1, 3, 12, 10), 2.0))
    assert out.shape == (1, 3, 6, 5)
    torch.testing.assert_close(out[..., 1:-1, 1:-1], torch.full((1, 3, 4, 3), 2.0))


def test_2d_odd_size_and_residual_default():
    model = UNet()
    assert model.residual
    with torch.no_grad():
        assert model(torch.rand(2, 1, 37, 50)).shape == (2, 1, 37, 50)
    assert not UNet(out_channels=2).residual
    with pytest.raises(ValueError, match="residual=False"):
        UNet(out_channels=2, residual=True)


def test_3d_unet_on_a_small_stack():
    model = UNet(ndim=3)
    assert model.encoders[0][0].kernel_size == (3, 3, 3)
    with torch.no_grad():
        assert model(torch.rand(1, 1, 16, 32, 32)).shape == (1, 1, 16, 32, 32)


def test_n2v_configuration_trains_with_batch_norm_and_reaches_every_parameter():
    model = UNet(kernel_size=3, batch_norm=True, residual=False, n2v2=True)
    model(torch.rand(2, 1, 20, 20)).square().mean().backward()
    silent = [name for name, p in model.named_parameters() if p.grad is None or not p.grad.any()]
    assert not silent


def test_laplace_head_returns_positive_scales():
    model = UNet(probabilistic=True, first_filters=8)
    torch.nn.init.constant_(model.scale_head.bias, -100.0)  # softplus -> 0: scale = eps_scale
    x = torch.rand(1, 1, 24, 24)
    loc, scale = model(x)
    assert loc.shape == scale.shape == x.shape
    assert (scale > 0).all() and scale.min().item() == pytest.approx(1e-3)
    assert torch.isfinite(laplace_nll(loc, scale, x))


def test_bad_input_names_the_expected_layout():
    with pytest.raises(ValueError, match=r"\(batch, channels, Z, Y, X\)"):
        UNet(ndim=3)(torch.rand(1, 1, 16, 16))


def test_networks_need_neither_torchscript_nor_compile(monkeypatch):
    """Plain eager modules: building, running and back-propagating never calls jit or compile."""

    def refuse(*args, **kwargs):
        raise AssertionError("torch.jit / torch.compile must not be needed")

    monkeypatch.setattr(torch, "compile", refuse)
    for name in ("script", "trace"):
        monkeypatch.setattr(torch.jit, name, refuse)
    x = torch.rand(1, 1, 12, 12)
    mrbcr_loss(MRBCR()(x), x).backward()
    SRBCR()(x).sum().backward()
    UNet(first_filters=4, n2v2=True)(x).sum().backward()


def test_pytorch_initialisation_keeps_torch_draws_and_smaller_first_outputs():
    """"pytorch" leaves PyTorch's default draw (what CAREamics trains from); it starts N2V's
    outputs smaller than csbdeep's Glorot draw does (measured ~2×; asserted below 0.8×)."""
    x = torch.randn(4, 1, 64, 64)
    outputs = {}
    for initialisation in ("keras", "pytorch"):
        torch.manual_seed(0)
        net = UNet(kernel_size=3, batch_norm=True, residual=False, initialisation=initialisation)
        with torch.no_grad():
            outputs[initialisation] = net(x).std().item()
    assert outputs["pytorch"] < 0.8 * outputs["keras"], outputs
    with pytest.raises(ValueError, match="initialisation must be 'keras' or 'pytorch'"):
        UNet(initialisation="he")
