"""Round objects: clathrin-coated pits (rings / hollow spheres) and sub-resolution beads."""

from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np

from .rendering import (
    Canvas,
    Range,
    field_area_um2,
    field_spacing,
    normalised,
    scatter_apart,
    size_range,
)

# Ball of radius R: each axis of its mass has variance R²/5 (for the 2-D projection as well).
_BALL_VARIANCE_PER_R2 = 0.2
_GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))


def ccp(
    shape: Sequence[int],
    pixel_size_nm: float,
    z_step_nm: Optional[float] = None,
    seed: int = 0,
    pits_per_um2: float = 0.6,
    diameter_nm: Range = (100.0, 200.0),
    coat_nm: float = 25.0,
) -> np.ndarray:
    """Clathrin-coated pits, max 1: rings in 2-D, hollow spheres in 3-D, never overlapping.

    Diameters are uniform in ``diameter_nm`` (a number or a (min, max) range); the coat is a
    Gaussian shell of FWHM ``coat_nm``. Each pit has its own brightness, and the coat is
    brighter on one side (partly assembled lattices), so brightness varies along each ring.
    """
    rng = np.random.default_rng(seed)
    shape, spacing = field_spacing(shape, pixel_size_nm, z_step_nm)
    low, high = size_range("diameter_nm", diameter_nm)
    if not coat_nm > 0:
        raise ValueError(f"coat_nm must be positive, got {coat_nm!r}")
    radii = rng.uniform(low, high, rng.poisson(pits_per_um2 * field_area_um2(shape, spacing))) / 2
    centres, kept = scatter_apart(rng, np.array(shape) * spacing, radii + coat_nm)
    radii = radii[kept]
    canvas = Canvas(shape, spacing, finest_nm=coat_nm / 2)
    n_points = max(8, math.ceil(2 * math.pi * high / canvas.step_nm))
    if len(shape) == 3:
        n_points = max(8, math.ceil(n_points**2 / math.pi))  # the sphere's area in step²
    directions = _unit_directions(n_points, len(shape))
    tilt = _unit_directions(len(radii), len(shape), rng)  # the side where the coat is densest
    lopsided = 1 + rng.uniform(0, 0.6, len(radii))[:, None] * (tilt @ directions.T)
    shell_area = (2 * math.pi * radii) if len(shape) == 2 else (4 * math.pi * radii**2)
    weights = (
        rng.uniform(0.4, 1.0, len(radii))[:, None] * lopsided * (shell_area / n_points)[:, None]
    )
    points = centres[:, None, :] + radii[:, None, None] * directions[None]
    canvas.splat(points, weights)
    return normalised(canvas.render(coat_nm))


def beads(
    shape: Sequence[int],
    pixel_size_nm: float,
    z_step_nm: Optional[float] = None,
    seed: int = 0,
    beads_per_um2: float = 0.05,
    diameter_nm: float = 100.0,
) -> np.ndarray:
    """Fluorescent beads of ``diameter_nm``, max 1, scattered apart (as for measuring a PSF).

    Beads stay at least 1 µm apart. A bead below the resolution shows a microscope only its
    mass's second moment, so it is drawn as a Gaussian with the ball's variance R²/5 per axis.
    Dye load varies by ±10 %.
    """
    rng = np.random.default_rng(seed)
    shape, spacing = field_spacing(shape, pixel_size_nm, z_step_nm)
    if not diameter_nm > 0:
        raise ValueError(f"diameter_nm must be positive, got {diameter_nm!r}")
    count = rng.poisson(beads_per_um2 * field_area_um2(shape, spacing))
    apart = np.full(count, max(diameter_nm, 500.0))
    centres, _ = scatter_apart(rng, np.array(shape) * spacing, apart)
    fwhm = 2 * math.sqrt(2 * math.log(2) * _BALL_VARIANCE_PER_R2) * diameter_nm / 2
    canvas = Canvas(shape, spacing, finest_nm=fwhm / 2)
    canvas.splat(centres, rng.uniform(0.9, 1.1, len(centres)))
    return normalised(canvas.render(fwhm))


def _unit_directions(n: int, ndim: int, rng: Optional[np.random.Generator] = None) -> np.ndarray:
    """``n`` evenly spread unit vectors (circle or Fibonacci sphere), or random ones (``rng``)."""
    if rng is not None:
        vectors = rng.normal(size=(n, ndim))
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    if ndim == 2:
        angle = 2 * math.pi * np.arange(n) / n
        return np.stack([np.sin(angle), np.cos(angle)], axis=1)
    z = 1 - (2 * np.arange(n) + 1) / n
    ring = np.sqrt(1 - z**2)
    angle = _GOLDEN_ANGLE * np.arange(n)
    return np.stack([z, ring * np.sin(angle), ring * np.cos(angle)], axis=1)
