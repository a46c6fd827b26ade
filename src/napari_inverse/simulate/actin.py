"""F-actin: a dense meshwork of stiff filaments branching at ~70° (Arp2/3), and brighter bundles."""

from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np

from .curves import worm_like_chains
from .rendering import Canvas, brightness_variation, field_spacing, normalised

# Exponential length distributions are cut at this many means, so the arrays stay small.
_LONGEST_IN_MEANS = 3.0


def actin(
    shape: Sequence[int],
    pixel_size_nm: float,
    z_step_nm: Optional[float] = None,
    seed: int = 0,
    mothers_per_um2: float = 0.25,
    mother_length_nm: float = 5000.0,
    branch_length_nm: float = 1200.0,
    branch_spacing_nm: float = 1000.0,
    branch_angle_deg: float = 70.0,
    generations: int = 2,
    bundle_fraction: float = 0.15,
    width_nm: float = 7.0,
    persistence_nm: float = 15000.0,
) -> np.ndarray:
    """Fluorophore density of a branched actin network in a YX or ZYX field, max 1.

    Mother filaments (exponential lengths, mean ``mother_length_nm``, persistence length 15 µm
    as measured for F-actin) start at ``mothers_per_um2``; a fraction ``bundle_fraction`` are
    three times brighter, like stress fibres. Along every filament, daughters nucleate every
    ``branch_spacing_nm`` on average, at ±``branch_angle_deg`` to their mother, for
    ``generations`` rounds. A filament is 7 nm wide: it is drawn no narrower than one fine cell.
    """
    rng = np.random.default_rng(seed)
    shape, spacing = field_spacing(shape, pixel_size_nm, z_step_nm)
    extent = np.array(shape) * spacing
    for name, value in (
        ("mother_length_nm", mother_length_nm),
        ("branch_length_nm", branch_length_nm),
        ("branch_spacing_nm", branch_spacing_nm),
        ("width_nm", width_nm),
        ("persistence_nm", persistence_nm),
    ):
        if not value > 0:
            raise ValueError(f"actin {name} must be positive, got {value!r}")
    canvas = Canvas(shape, spacing, finest_nm=width_nm / 2)
    step = canvas.step_nm
    # Mothers start anywhere in a margin around the field so the edges are not emptier.
    margin = np.r_[[0.0] * (len(shape) - 2), [mother_length_nm] * 2]
    n_mothers = rng.poisson(mothers_per_um2 * np.prod(extent[-2:] + 2 * mother_length_nm) * 1e-6)
    starts = rng.uniform(-margin, extent + margin, (n_mothers, len(shape)))
    brightness = np.where(rng.random(n_mothers) < bundle_fraction, 3.0, 1.0)
    points, azimuth, alive = _grow(
        rng, starts, rng.uniform(0, 2 * math.pi, n_mothers), mother_length_nm, step, persistence_nm
    )
    canvas.splat(points, alive * brightness[:, None] * step)
    branch_angle = math.radians(branch_angle_deg)
    for _ in range(generations):
        sites = alive & (rng.random(alive.shape) < step / branch_spacing_nm)
        if not sites.any():
            break
        side = rng.choice([-1.0, 1.0], int(sites.sum()))
        angles = azimuth[sites] + side * rng.normal(branch_angle, math.radians(5), side.size)
        points, azimuth, alive = _grow(
            rng, points[sites], angles, branch_length_nm, step, persistence_nm
        )
        canvas.splat(points, alive * step)
    density = canvas.render(width_nm) * brightness_variation(rng, shape, spacing)
    return normalised(density)


def _grow(rng, starts, azimuths, mean_length_nm, step_nm, persistence_nm):
    """Chains with exponential lengths; ``alive`` marks the points within each chain's length."""
    n_steps = max(1, math.ceil(_LONGEST_IN_MEANS * mean_length_nm / step_nm))
    points, azimuth = worm_like_chains(rng, starts, azimuths, n_steps, step_nm, persistence_nm)
    lengths = rng.exponential(mean_length_nm, len(starts))
    alive = np.arange(n_steps)[None, :] * step_nm < lengths[:, None]
    return points, azimuth, alive
