"""Train and sample conditional diffusion models whose noise schedule is learned per pixel.

The loss is CVDM's (references.md §2.2) and the sampler its reference one (§2.5), strided for
speed. Any network with the four methods of :class:`ConditionalDiffusion` plugs in: CVDM
super-resolution (condition: the widefield image) and, with another condition, a phase model.
The target is whatever the caller wants sampled (CVDM: the residual y − x).
"""
from __future__ import annotations

from typing import Callable, Optional, Protocol

import numpy as np
import torch

GENERATION_STEPS = 200  # T: the reference's schedule length (loss edges 1/T, 1 − 1/T; sampler grid)
GAMMA_RANGE = (1e-6, 0.99999)
SMOOTHNESS_WEIGHT = 1e-3  # α of the γ-curvature penalty
TERM_WEIGHTS = (1.0, 2.0, 2.0, 2.0)  # noise, β–γ consistency, prior KL, γ curvature

Guidance = Callable[[torch.Tensor], torch.Tensor]
"""Maps the current estimate of the target (N, C, H, W) to a gradient to descend (same shape)."""


class ConditionalDiffusion(Protocol):
    """What the loss and the sampler need of a model (`nets.cvdm.CVDM` is one)."""

    def schedule_rate(self, condition: torch.Tensor) -> torch.Tensor:
        """s(x) ≥ 0 with the target's shape (batch of the condition)."""

    def integrated_time(self, t: torch.Tensor) -> torch.Tensor:
        """T(t), monotone with T(0) = 0, elementwise on per-sample times."""

    def beta_time(self, t: torch.Tensor) -> torch.Tensor:
        """τ(t), monotone with τ(0) = 0, elementwise on per-sample times."""

    def predict_noise(self, noisy: torch.Tensor, condition: torch.Tensor,
                      gamma: torch.Tensor) -> torch.Tensor:
        """ε̂ for the noised target, given the condition and the γ map."""


def _per_sample(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return values.reshape(-1, *([1] * (like.ndim - 1)))


def signal_fraction(rate: torch.Tensor, integrated: torch.Tensor) -> torch.Tensor:
    """γ = exp(−s·T), clipped as the reference clips it; ``integrated`` is T per sample."""
    return torch.exp(-rate * _per_sample(integrated, rate)).clamp(*GAMMA_RANGE)


def schedule_map(model: ConditionalDiffusion, condition: torch.Tensor,
                 t: float = 0.5) -> torch.Tensor:
    """γ(t, x) per pixel: the learned schedule the paper shows (not a calibrated uncertainty)."""
    rate = model.schedule_rate(condition)
    times = torch.full((condition.shape[0],), t, device=rate.device, dtype=rate.dtype)
    return signal_fraction(rate, model.integrated_time(times))


def _normal_kl(mean1, logvar1, mean2, logvar2) -> torch.Tensor:
    """KL(N(mean1, e^logvar1) ‖ N(mean2, e^logvar2)), elementwise."""
    return 0.5 * (-1.0 + logvar2 - logvar1 + torch.exp(logvar1 - logvar2)
                  + (mean1 - mean2) ** 2 * torch.exp(-logvar2))


def diffusion_loss(model: ConditionalDiffusion, condition: torch.Tensor, target: torch.Tensor,
                   generator: Optional[torch.Generator] = None,
                   first_sample_smoothness: bool = False,
                   physics: Optional[Callable[[torch.Tensor], torch.Tensor]] = None,
                   physics_weight: float = 0.0) -> torch.Tensor:
    """CVDM's loss: noise MSE + 2·(dγ/dt + βγ)² with γ's boundary terms + 2·prior KL
    + 2·α(d²γ/dt²)², each averaged over every sample and pixel of the batch.

    ``first_sample_smoothness`` reproduces the reference's quirk of penalising the curvature
    of the first sample only. Times are drawn per sample from U(0, 1) with ``generator``.
    ``physics`` (PI-DDPM) maps the estimate ŷ₀ to a per-pixel misfit, added × ``physics_weight``
    and × γ, which holds its 1/γ growth at high noise (ŷ₀'s error is √((1−γ)/γ)·(ε̂ − ε)).
    """
    batch, device = target.shape[0], target.device
    with torch.enable_grad():  # dT/dt and d²T/dt² are needed in validation (no_grad) too
        t = torch.rand(batch, generator=generator).to(device).clamp(max=GAMMA_RANGE[1])
        t.requires_grad_(True)
        integrated = model.integrated_time(t)
        (slope,) = torch.autograd.grad(integrated.sum(), t, create_graph=True)
        (curvature,) = torch.autograd.grad(slope.sum(), t, create_graph=True)
    rate = model.schedule_rate(condition).float()
    gamma = signal_fraction(rate, integrated)
    beta = rate * _per_sample(model.beta_time(t), rate)
    noise = torch.randn(target.shape, generator=generator).to(device)
    noisy = gamma.sqrt() * target + (1 - gamma).sqrt() * noise
    predicted = model.predict_noise(noisy, condition, gamma).float()
    noise_term = (predicted - noise) ** 2

    slope, curvature = _per_sample(slope, rate), _per_sample(curvature, rate)
    d_gamma = -rate * slope * gamma
    d2_gamma = gamma * (rate**2 * slope**2 - rate * curvature)
    edges = [torch.full((batch,), edge, device=device)
             for edge in (1 / GENERATION_STEPS, 1 - 1 / GENERATION_STEPS)]
    first, last = (signal_fraction(rate, model.integrated_time(edge)) for edge in edges)
    beta_term = (d_gamma + beta * gamma) ** 2 + (first - 1) ** 2 + last**2
    zero = torch.zeros_like(target)
    prior_term = _normal_kl(zero, zero, last.sqrt() * target, torch.log(1 - last + 1e-7))
    curvature_term = SMOOTHNESS_WEIGHT * (d2_gamma[:1] if first_sample_smoothness
                                          else d2_gamma) ** 2
    terms = (noise_term, beta_term, prior_term, curvature_term)
    loss = sum(w * term.mean() for w, term in zip(TERM_WEIGHTS, terms))
    if physics is not None:
        estimate = (noisy - (1 - gamma).sqrt() * predicted) / gamma.sqrt()
        loss = loss + physics_weight * (gamma * physics(estimate)).mean()
    return loss


def sampling_indices(steps: int, generation_steps: int = GENERATION_STEPS) -> list[int]:
    """The schedule indices a sampler of ``steps`` network evaluations visits, T−1 down to 1.

    ``steps = T − 1`` (199) is the reference sampler; fewer stride evenly over the same grid.
    """
    if not 1 <= steps <= generation_steps - 1:
        raise ValueError(f"steps must be 1 … {generation_steps - 1}, got {steps}")
    grid = np.round(np.linspace(generation_steps - 1, 1, steps)).astype(int)
    return sorted({int(i) for i in grid}, reverse=True)


def discrete_signal_fractions(model: ConditionalDiffusion, rate: torch.Tensor, indices: list[int],
                              generation_steps: int = GENERATION_STEPS) -> dict[int, torch.Tensor]:
    """γ_i = Π_{j ≤ i} clip(1 − β(j/T, x)/T) per pixel, kept at ``indices`` only.

    The reference samples with this discretised β, not with the γ head; keeping only the visited
    indices holds a strided sampler's memory to one map per step.
    """
    times = torch.arange(generation_steps, device=rate.device, dtype=rate.dtype) / generation_steps
    taus = model.beta_time(times)
    wanted, kept = set(indices), {}
    log_gamma = torch.zeros_like(rate)
    for i in range(max(indices) + 1):
        alpha = (1 - rate * taus[i] / generation_steps).clamp(*GAMMA_RANGE)
        log_gamma = log_gamma + torch.log(alpha)
        if i in wanted:
            kept[i] = torch.exp(log_gamma).clamp(1e-10, GAMMA_RANGE[1])
    return kept


def sample(model: ConditionalDiffusion, condition: torch.Tensor, samples: int, steps: int,
           generator: Optional[torch.Generator] = None,
           on_step: Optional[Callable[[], None]] = None, guidance: Optional[Guidance] = None,
           guidance_strength: float = 1.0, limit: Optional[float] = None) -> torch.Tensor:
    """``samples`` draws of the target for one condition (1, C, H, W), as one batch (N, C, H, W).

    Each step predicts ε̂, estimates the target ŷ₀ and re-noises it to the next visited index
    with the DDPM posterior variance (the reference's DDIM-form update). ``on_step`` is called
    after every network evaluation (progress, cancel). ``guidance`` (PI-DDPM) nudges each
    re-noised sample down the physics gradient, scaled by σ·√γ/‖g‖ as the reference does.
    ``limit`` clips each estimate to ±limit and re-derives ε̂ from it (Ho et al.'s clipped
    sampler): at high noise ε̂'s error reaches the estimate × √((1−γ)/γ), which otherwise throws
    samples far outside the range the targets span.
    """
    rate = model.schedule_rate(condition).float()
    indices = sampling_indices(steps)
    gammas = discrete_signal_fractions(model, rate, indices)
    batch_condition = condition.expand(samples, *condition.shape[1:])
    shape = (samples, *rate.shape[1:])
    noisy = torch.randn(shape, generator=generator).to(rate.device)
    for n, i in enumerate(indices):
        gamma = gammas[i]
        noise = model.predict_noise(noisy.to(condition.dtype), batch_condition,
                                    gamma.expand(shape).to(condition.dtype)).float()
        estimate = (noisy - (1 - gamma).sqrt() * noise) / gamma.sqrt()
        if limit is not None:
            estimate = estimate.clamp(-limit, limit)
            noise = (noisy - gamma.sqrt() * estimate) / (1 - gamma).sqrt()
        if on_step is not None:
            on_step()
        if n + 1 == len(indices):
            break
        previous = gammas[indices[n + 1]]
        variance = ((1 - previous) / (1 - gamma) * (1 - gamma / previous)).clamp(min=0)
        noisy = (previous.sqrt() * estimate + (1 - previous - variance).clamp(min=0).sqrt() * noise
                 + variance.sqrt() * torch.randn(shape, generator=generator).to(rate.device))
        if guidance is not None:
            gradient = guidance(estimate)
            norm = gradient.flatten(1).norm(dim=1).clamp(min=1e-12)
            noisy = noisy - guidance_strength * variance.sqrt() * previous.sqrt() * (
                gradient / _per_sample(norm, gradient))
    return estimate
