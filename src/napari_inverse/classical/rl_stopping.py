"""Richardson–Lucy's iteration count, chosen per image by cross-validation on thinned counts.

Binomial thinning splits photon counts n into n₁ ~ Binomial(n, p) and n₂ = n − n₁: two
independent Poisson images of the same object, at p and 1 − p of the exposure. RL runs on the
first; before each update its blurred estimate, scaled by (1 − p)/p, predicts the second, whose
Poisson negative log-likelihood falls while RL recovers the object and rises once it fits the
first half's noise. The count at its minimum, scaled up for the full exposure's higher signal to
noise, is the one run on the whole image. Counts come from ``photon_counts``; where the noise
does not grow with brightness there are none to thin, and the discrepancy principle decides
instead: stop once the image differs from the blurred estimate by no more than the noise that
``wiener`` measures out of band (mean squared residual ≤ σ²).
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
import torch

from ..engine.progress import ProgressReporter
from .photon_counts import estimate_photon_scale
from .wiener import estimate_spectral_balance
from .richardson_lucy import richardson_lucy

SPLIT = 0.5
"""The fraction of the counts RL runs on; the rest validates."""
SEARCH_LIMIT = 100
"""The most iterations tried on the thinned half."""
PATIENCE = 3
"""Iterations the held-out likelihood must stay worse than its best before the search stops."""
FULL_EXPOSURE_SCALE = 1.5
"""Iterations on the full image per iteration chosen on the half (more signal supports more)."""
SEARCH_SHAPE = {2: (512, 512), 3: (32, 256, 256)}
"""The largest central crop searched: the count depends on the structure and the noise, which a
crop shows as well as the whole image, at a fraction of the cost."""
TYPICAL_ITERATIONS = 20
"""What progress plans per tile until the count is chosen."""
SEED = 0
"""The thinning is seeded, so one image always gets the same count."""


def choose_iterations(image: np.ndarray, psf: np.ndarray,
                      device: torch.device = torch.device("cpu"),
                      reporter: Optional[ProgressReporter] = None) -> int:
    """The Richardson–Lucy iteration count for ``image`` (2-D or 3-D, camera units) and ``psf``.

    The image must be raw camera data (any gain and offset), not filtered, denoised or
    resampled: its noise must be Poisson-like for the thinned halves to be independent. The
    ``reporter`` gets :data:`SEARCH_LIMIT` steps, one per search iteration.
    """
    best = best_iterate_on_half(image, psf, device, reporter)
    if best is None:
        return _discrepancy_count(_central_crop(image, SEARCH_SHAPE[image.ndim]), psf, device,
                                  reporter)
    return max(1, math.ceil(FULL_EXPOSURE_SCALE * best))


def best_iterate_on_half(image: np.ndarray, psf: np.ndarray,
                         device: torch.device = torch.device("cpu"),
                         reporter: Optional[ProgressReporter] = None) -> Optional[int]:
    """The RL iterate (0: the flat start) of one thinned half of ``image``'s central crop that
    best predicts the other half; None where the image shows no photon counts to thin."""
    crop = _central_crop(image, SEARCH_SHAPE[image.ndim])
    scale = estimate_photon_scale(crop, psf)
    if scale is None:
        return None
    counts = scale.counts(crop)
    first = np.random.default_rng(SEED).binomial(counts, SPLIT)
    rest = counts - first
    # The first half in the image's own units, so the search runs RL on data like the full run's.
    half = (scale.gain * first + SPLIT * scale.offset).astype(np.float32)
    held_out = _HeldOutLikelihood(rest, scale.gain, scale.offset, device)
    _search(half, psf, held_out, device, reporter)
    return held_out.best


def _discrepancy_count(image: np.ndarray, psf: np.ndarray, device, reporter) -> int:
    """The first RL iterate of ``image`` whose blurred estimate is within the noise of it."""
    within = _WithinNoise(image, estimate_spectral_balance(image, psf).noise_power, device)
    _search(image, psf, within, device, reporter)
    return max(1, within.seen - 1)


def _search(image, psf, watch, device, reporter) -> None:
    """RL for up to :data:`SEARCH_LIMIT` iterations under ``watch``; the progress steps a search
    that stopped early did not take are reported at once."""
    richardson_lucy(image, psf, iterations=SEARCH_LIMIT, device=device, reporter=reporter,
                    watch=watch)
    skipped = SEARCH_LIMIT - watch.seen + watch.stopped  # the stopping iterate was not run
    if reporter is not None and skipped:
        reporter.step("Richardson–Lucy", skipped)


class _HeldOutLikelihood:
    """RL's ``watch``: the held-out half's Poisson negative log-likelihood at each iterate;
    True (stop) once it has been worse than its best for :data:`PATIENCE` iterates."""

    def __init__(self, counts: np.ndarray, gain: float, offset: float, device) -> None:
        self.counts = torch.as_tensor(counts, dtype=torch.float32, device=device)
        self.gain, self.offset = gain, offset
        self.seen, self.best, self.best_value, self.stopped = 0, 0, math.inf, False

    def __call__(self, blurred: torch.Tensor) -> bool:
        # Blurred estimate of the first half → expected counts of the second.
        expected = (blurred * ((1 - SPLIT) / SPLIT) - (1 - SPLIT) * self.offset) / self.gain
        expected = expected.clamp_min(1e-3)
        value = float((expected - self.counts * expected.log()).double().sum())
        iterate, self.seen = self.seen, self.seen + 1
        if value < self.best_value:
            self.best, self.best_value = iterate, value
        self.stopped = iterate - self.best >= PATIENCE
        return self.stopped


def _central_crop(image: np.ndarray, limits) -> np.ndarray:
    return image[tuple(slice((n - min(n, m)) // 2, (n - min(n, m)) // 2 + min(n, m))
                       for n, m in zip(image.shape, limits))]


class _WithinNoise:
    """RL's ``watch`` for the discrepancy principle: True (stop) at the first iterate whose
    mean squared residual against the image is at most the noise variance."""

    def __init__(self, image: np.ndarray, noise_power: float, device) -> None:
        self.image = torch.as_tensor(np.asarray(image, dtype=np.float32), device=device)
        self.noise_power = noise_power
        self.seen, self.stopped = 0, False

    def __call__(self, blurred: torch.Tensor) -> bool:
        self.seen += 1
        self.stopped = float((blurred - self.image).square().double().mean()) <= self.noise_power
        return self.stopped
