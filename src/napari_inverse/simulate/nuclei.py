"""Cell nuclei stained for DNA: textured blobs several µm across, with dark nucleoli and a few
bright condensed mitotic figures."""

from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np

from .outlines import radial_coordinate
from .rendering import (
    Range,
    field_area_um2,
    field_spacing,
    normalised,
    random_field,
    scatter_apart,
    size_range,
)


def nuclei(
    shape: Sequence[int],
    pixel_size_nm: float,
    z_step_nm: Optional[float] = None,
    seed: int = 0,
    diameter_nm: Range = (8000.0, 14000.0),
    height_nm: float = 5000.0,
    fill_fraction: float = 0.3,
    mitotic_fraction: float = 0.05,
    nucleoli: tuple[int, int] = (1, 4),
) -> np.ndarray:
    """DNA density of nuclei covering about ``fill_fraction`` of a YX or ZYX field, max 1.

    Each nucleus is a flattened ellipsoid (long axis uniform in ``diameter_nm``, aspect
    0.6–0.95, ``height_nm`` thick) with a wobbly outline; in 2-D its column density is drawn,
    so it is brightest in the middle and fades to its rim. Chromatin texture is log-normal
    noise at 0.25 and 1 µm; 1–4 nucleoli (``nucleoli`` range) exclude 70 % of the stain.
    DNA content varies between G1 and G2 (×1–2); a ``mitotic_fraction`` of nuclei are small
    (60 % of the length) and compact, with G2 DNA packed twice as densely (×4).
    """
    rng = np.random.default_rng(seed)
    shape, spacing = field_spacing(shape, pixel_size_nm, z_step_nm)
    low, high = size_range("diameter_nm", diameter_nm)
    if not (height_nm > 0 and 0 <= fill_fraction <= 1 and 0 <= mitotic_fraction <= 1):
        raise ValueError(
            "nuclei need height_nm > 0 and fill_fraction, mitotic_fraction in [0, 1], got "
            f"{height_nm!r}, {fill_fraction!r}, {mitotic_fraction!r}"
        )
    mean_area_um2 = math.pi * ((low + high) / 4e3) ** 2 * 0.78
    count = rng.poisson(fill_fraction * field_area_um2(shape, spacing) / mean_area_um2)
    long_axis = rng.uniform(low, high, count) / 2
    short_axis = long_axis * rng.uniform(0.6, 0.95, count)
    mitotic = rng.random(count) < mitotic_fraction
    long_axis[mitotic] *= 0.6
    short_axis[mitotic] = long_axis[mitotic] * 0.65
    centres, kept = scatter_apart(rng, np.array(shape[-2:]) * spacing[-2:], short_axis, overlap=0.3)
    texture = np.exp(
        0.25 * random_field(rng, shape, spacing, 250.0)
        + 0.2 * random_field(rng, shape, spacing, 1000.0)
    )
    density = np.zeros(shape)
    z_nm = _plane_samples(shape, spacing)
    for centre, i in zip(centres, kept):
        window = _window(shape, spacing, centre, long_axis[i] * 1.3)
        rows, cols = (
            (np.arange(w.start, w.stop) + 0.5) * d - c
            for w, d, c in zip(window, spacing[-2:], centre)
        )
        dy, dx = rows[:, None], cols[None, :]
        rho = radial_coordinate(rng, dy, dx, (long_axis[i], short_axis[i]))
        half_height = height_nm * (0.3 if mitotic[i] else 0.5)
        body = _filled(
            rho, None if z_nm is None else z_nm / half_height, spacing[-1] / long_axis[i]
        )
        if not mitotic[i]:
            body = body * _nucleoli(
                rng, dy, dx, z_nm, spacing[-1], (long_axis[i], short_axis[i]), half_height, nucleoli
            )
        dna = rng.lognormal(0.0, 0.15) * (4.0 if mitotic[i] else rng.uniform(1.0, 2.0))
        region = (slice(None),) * (len(shape) - 2) + window
        density[region] += dna * body * texture[region]
    return normalised(density)


def _window(shape, spacing, centre, reach) -> tuple[slice, slice]:
    """Lateral pixel slices that hold a nucleus of ``reach`` nm around ``centre``."""
    lo = np.maximum(0, np.floor((centre - reach) / spacing[-2:])).astype(int)
    hi = np.minimum(shape[-2:], np.ceil((centre + reach) / spacing[-2:])).astype(int)
    return slice(lo[0], hi[0]), slice(lo[1], hi[1])


def _plane_samples(shape, spacing) -> Optional[np.ndarray]:
    """Heights (nm, from mid-depth) of a few samples through each plane (Z × S), or None in 2-D.

    A plane thicker than a pixel is sampled several times, so an ellipsoid's top and bottom
    fill their planes partly instead of stepping from empty to full.
    """
    if len(shape) == 2:
        return None
    count = int(min(8, max(1, math.ceil(spacing[0] / spacing[-1]))))
    offsets = ((np.arange(count) + 0.5) / count - 0.5) * spacing[0]
    planes = (np.arange(shape[0]) + 0.5) * spacing[0] - shape[0] * spacing[0] / 2
    return planes[:, None] + offsets[None, :]


def _filled(rho, z_scaled, edge) -> np.ndarray:
    """How much of each pixel an ellipsoid fills: its column density (2-D) or, in 3-D, the
    fraction of each voxel inside it (``z_scaled`` = height / half-height), with a soft rim."""
    if z_scaled is None:
        return np.sqrt(np.clip(1 - rho**2, 0, None))
    rho3 = np.sqrt(rho[None, None] ** 2 + z_scaled[..., None, None] ** 2)
    return np.clip((1 - rho3) / edge + 0.5, 0, 1).mean(axis=1)


def _nucleoli(rng, dy, dx, z_nm, pixel_nm, semi_axes, half_height, count_range) -> np.ndarray:
    """Factor < 1 where nucleoli (0.6–1.4 µm balls in the nucleus's inner half) exclude 70 % of
    the chromatin."""
    factor = 1.0
    for _ in range(rng.integers(count_range[0], count_range[1] + 1)):
        radius = rng.uniform(300.0, 700.0)
        angle, reach = rng.uniform(0, 2 * math.pi), rng.uniform(0, 0.5)
        oy, ox = reach * semi_axes[1] * math.sin(angle), reach * semi_axes[0] * math.cos(angle)
        rho = radial_coordinate(
            rng, dy - oy, dx - ox, (radius, radius * rng.uniform(0.7, 1.0)), 0.1
        )
        height = None if z_nm is None else (z_nm - rng.uniform(-0.3, 0.3) * half_height) / radius
        factor = factor * (1 - 0.7 * _filled(rho, height, pixel_nm / radius))
    return factor
