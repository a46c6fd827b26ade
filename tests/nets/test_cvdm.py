"""CVDM's networks and diffusion machinery: monotone time networks, the loss, the sampler."""
from __future__ import annotations

import pytest
import torch

from napari_inverse.nets import CVDM
from napari_inverse.nets.cvdm import MonotoneTime
from napari_inverse.nets.diffusion import (GAMMA_RANGE, diffusion_loss,
                                           discrete_signal_fractions, sample, sampling_indices,
                                           signal_fraction)
from napari_inverse.zoo.families import parameter_count

SHIPPED = {"width": 16, "depth": 3, "schedule_width": 8}


def test_parameter_counts_are_pinned():
    assert parameter_count(CVDM(**SHIPPED)) == 521_036
    assert parameter_count(CVDM()) == 2_060_948


def test_time_networks_start_at_zero_and_increase_whatever_their_weights():
    torch.manual_seed(0)
    time_net = MonotoneTime(hidden=64)
    with torch.no_grad():
        for parameter in time_net.parameters():
            parameter.add_(torch.randn_like(parameter) * 3)
    t = torch.linspace(0, 1, 501)
    tau = time_net(t).detach()
    assert tau[0] == 0
    assert torch.all(torch.diff(tau) >= 0)
    assert tau[-1] > 0


def test_learned_signal_fraction_falls_from_one_towards_zero_per_pixel():
    net = CVDM(**SHIPPED)
    condition = torch.rand(1, 1, 32, 32)
    rate = net.schedule_rate(condition)
    gammas = [signal_fraction(rate, net.integrated_time(torch.tensor([t])))
              for t in (0.0, 0.3, 0.7, 1.0)]
    assert torch.all(gammas[0] >= GAMMA_RANGE[1] - 1e-7)
    for earlier, later in zip(gammas, gammas[1:]):
        assert torch.all(later <= earlier)
    assert gammas[-1].max() < 0.05


def test_loss_is_finite_and_trains_every_part():
    torch.manual_seed(1)
    net = CVDM(**SHIPPED)
    condition, target = torch.rand(3, 1, 32, 32), torch.randn(3, 1, 32, 32) * 0.1
    loss = diffusion_loss(net, condition, target, torch.Generator().manual_seed(0))
    loss.backward()
    assert torch.isfinite(loss)
    for part in (net.schedule_net, net.integrated_time, net.beta_time, net.denoiser):
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in part.parameters())


def test_reference_quirk_penalises_the_first_sample_only():
    """With the flag, the curvature penalty ignores samples after the first: their schedule
    network gradient then comes from the other terms alone."""
    torch.manual_seed(2)
    net = CVDM(**SHIPPED)
    condition, target = torch.rand(2, 1, 16, 16), torch.randn(2, 1, 16, 16) * 0.1
    losses = [diffusion_loss(net, condition, target, torch.Generator().manual_seed(5),
                             first_sample_smoothness=flag) for flag in (False, True)]
    assert losses[0] != losses[1]
    assert torch.isfinite(losses[1])


class _Oracle(torch.nn.Module):
    """A denoiser that knows the target: it returns the exact noise of any noisy input."""

    def __init__(self, net: CVDM, target: torch.Tensor) -> None:
        super().__init__()
        self.net, self.target = net, target
        self.integrated_time, self.beta_time = net.integrated_time, net.beta_time

    def schedule_rate(self, condition):
        return self.net.schedule_rate(condition)

    def predict_noise(self, noisy, condition, gamma):
        return (noisy - gamma.sqrt() * self.target) / (1 - gamma).sqrt()


@pytest.mark.parametrize("steps", [1, 7, 199])
def test_sampler_returns_the_target_when_the_noise_is_predicted_exactly(steps):
    torch.manual_seed(3)
    net = CVDM(**SHIPPED)
    target = torch.randn(1, 1, 24, 24) * 0.2
    calls = []
    with torch.no_grad():
        draws = sample(_Oracle(net, target), torch.rand(1, 1, 24, 24), 3, steps,
                       torch.Generator().manual_seed(0), on_step=lambda: calls.append(1))
    assert draws.shape == (3, 1, 24, 24)
    assert len(calls) == steps
    assert torch.allclose(draws, target.expand(3, -1, -1, -1), atol=1e-3)


def test_strided_sampler_visits_the_reference_grid():
    assert sampling_indices(199) == list(range(199, 0, -1))
    strided = sampling_indices(25)
    assert len(strided) == 25 and strided[0] == 199 and strided[-1] == 1
    with pytest.raises(ValueError, match="steps"):
        sampling_indices(0)


def test_discretised_signal_fraction_decreases_along_the_grid():
    net = CVDM(**SHIPPED)
    rate = net.schedule_rate(torch.rand(1, 1, 16, 16))
    gammas = discrete_signal_fractions(net, rate, [1, 50, 100, 199])
    assert torch.all(gammas[50] < gammas[1]) and torch.all(gammas[199] < gammas[100])


def test_scaled_residual_target_maps_back_to_the_image():
    net = CVDM(**SHIPPED, residual_scale=8.0)
    condition, image = torch.rand(2, 1, 16, 16), torch.rand(2, 1, 16, 16)
    target = net.residual_target(condition, image)
    assert torch.allclose(target, (image - condition) * 8)
    assert torch.allclose(net.image_from_target(condition, target), image, atol=1e-6)
    with pytest.raises(ValueError, match="residual_scale"):
        CVDM(**SHIPPED, residual_scale=0)


def test_physics_term_adds_its_weight_times_gamma_weighted_misfit():
    """A misfit of 1 everywhere adds weight·mean(γ) exactly; the same draws otherwise."""
    net = CVDM(**SHIPPED)
    condition, target = torch.rand(2, 1, 16, 16), torch.randn(2, 1, 16, 16) * 0.1
    plain = diffusion_loss(net, condition, target, torch.Generator().manual_seed(3))
    physics = diffusion_loss(net, condition, target, torch.Generator().manual_seed(3),
                             physics=torch.ones_like, physics_weight=2.5)
    t = torch.rand(2, generator=torch.Generator().manual_seed(3))
    gamma = signal_fraction(net.schedule_rate(condition), net.integrated_time(t))
    assert float(physics - plain) == pytest.approx(2.5 * float(gamma.mean()), rel=1e-4)
