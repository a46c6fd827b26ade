"""Microtubule-like filaments: sparse, smooth worm-like chains, in 2-D or 3-D at any pixel size."""

from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np

from .curves import worm_like_chains
from .rendering import Canvas, brightness_variation, field_spacing, normalised

# Default density: one chain per this much field width, i.e. lines about 1.4 µm apart.
_CHAIN_SPACING_NM = 1400.0


def filaments(
    shape: Sequence[int],
    pixel_size_nm: float,
    n_filaments: Optional[int] = None,
    width_nm: float = 25.0,
    persistence_nm: float = 5000.0,
    z_step_nm: Optional[float] = None,
    seed: int = 0,
) -> np.ndarray:
    """Fluorophore density of ``n_filaments`` smooth chains across a YX or ZYX field, max 1.

    Each chain is a worm-like chain twice as long as the field is wide, centred at a random
    point, so it crosses the field: its direction diffuses with persistence length
    ``persistence_nm`` (microtubules: millimetres in vitro, a few µm in cells), each chain has
    its own labelling density, the brightness drifts along it over ~1 µm, and its cross-section
    is Gaussian with FWHM ``width_nm`` (25 nm for a microtubule), rendered without aliasing.
    ``n_filaments`` defaults to one per 1.4 µm of field width (12 for 256 pixels of 65 nm).
    """
    rng = np.random.default_rng(seed)
    shape, spacing = field_spacing(shape, pixel_size_nm, z_step_nm)
    extent = np.array(shape) * spacing
    if n_filaments is None:
        n_filaments = max(1, round(extent[-2:].max() / _CHAIN_SPACING_NM))
    if n_filaments < 0 or width_nm <= 0 or persistence_nm <= 0:
        raise ValueError(
            f"need n_filaments ≥ 0, width_nm > 0 and persistence_nm > 0, got "
            f"{n_filaments}, {width_nm}, {persistence_nm}"
        )
    canvas = Canvas(shape, spacing, finest_nm=width_nm / 2)
    length = 2.0 * extent[-2:].max()
    n_steps = math.ceil(length / canvas.step_nm)
    centres = rng.uniform(0, 1, (n_filaments, len(shape))) * extent
    azimuths = rng.uniform(0, 2 * math.pi, n_filaments)
    points, _ = worm_like_chains(rng, centres, azimuths, n_steps, canvas.step_nm, persistence_nm)
    points -= points[:, n_steps // 2 : n_steps // 2 + 1] - centres[:, None]
    labelling = rng.uniform(0.6, 1.0, n_filaments)[:, None]
    canvas.splat(points, np.broadcast_to(labelling, points.shape[:2]) * canvas.step_nm)
    density = canvas.render(width_nm) * brightness_variation(rng, shape, spacing)
    return normalised(density)


def microtubules(
    shape: Sequence[int],
    pixel_size_nm: float,
    z_step_nm: Optional[float] = None,
    seed: int = 0,
    **kwargs,
) -> np.ndarray:
    """Microtubules in the registry's signature: :func:`filaments` with its 25 nm defaults."""
    return filaments(shape, pixel_size_nm, z_step_nm=z_step_nm, seed=seed, **kwargs)
