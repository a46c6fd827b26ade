"""ZMD: the mean network corrects the TIE channel, the loss trains both parts, samples scatter
about the mean."""
from __future__ import annotations

import torch

from napari_inverse.nets import ZMD
from napari_inverse.nets.zmd import zmd_loss, zmd_sample
from napari_inverse.training import RECIPES
from napari_inverse.zoo.families import parameter_count


def test_parameter_counts_are_pinned():
    assert parameter_count(ZMD(**RECIPES["zmd-phase-2plane"].architecture)) == 863_717
    assert parameter_count(ZMD(**RECIPES["zmd-phase-rgb"].architecture)) == 864_077
    assert parameter_count(ZMD(**RECIPES["zmd-widefield-sr"].architecture)) == 862_997


def test_the_mean_is_the_tie_channel_plus_the_networks_correction():
    net = ZMD(condition_channels=3)
    with torch.no_grad():
        for parameter in net.mean_net.parameters():
            parameter.zero_()
    condition = torch.randn(2, 3, 32, 32)
    assert torch.equal(net(condition), condition[:, -1:])


def test_loss_ignores_the_piston_and_trains_every_part():
    torch.manual_seed(0)
    net = ZMD(condition_channels=3)
    condition, target = torch.randn(2, 3, 32, 32), torch.randn(2, 1, 32, 32) * 0.3
    generator = torch.Generator()
    loss = zmd_loss(net, condition, target, generator.manual_seed(1))
    shifted = zmd_loss(net, condition, target + 5.0, generator.manual_seed(1))
    assert torch.isclose(loss, shifted, rtol=1e-4)  # phase has no absolute level
    loss.backward()
    for part in (net.mean_net, net.diffusion.schedule_net, net.diffusion.denoiser,
                 net.diffusion.integrated_time):
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in part.parameters())


def test_super_resolution_residuals_keep_their_level():
    """Intensity has an absolute level: without ``ignore_piston`` an offset is an error."""
    torch.manual_seed(0)
    net = ZMD(condition_channels=1, residual_sigma=0.04, ignore_piston=False)
    condition = torch.rand(2, 1, 32, 32)
    generator = torch.Generator()
    loss = zmd_loss(net, condition, condition, generator.manual_seed(1))
    shifted = zmd_loss(net, condition, condition + 0.5, generator.manual_seed(1))
    assert shifted > loss + 2 * 0.5**2 * 0.9  # at least the mean term's 2·offset²


def test_samples_scatter_about_the_mean_by_the_residual_sigma():
    torch.manual_seed(2)
    net = ZMD(condition_channels=4).eval()
    calls = []
    with torch.inference_mode():
        mean, draws = zmd_sample(net, torch.randn(1, 4, 24, 40), 3, 4,
                                 torch.Generator().manual_seed(0), on_step=lambda: calls.append(1))
    assert mean.shape == (1, 1, 24, 40) and draws.shape == (3, 1, 24, 40)
    assert len(calls) == 4
    # an untrained denoiser leaves ~unit residuals: the spread is of the order of σ = 0.25 rad
    spread = float(draws.std(0).mean())
    assert 0.25 * 0.05 < spread < 0.25 * 20
