"""Filament specimens (microtubule-like worm-like chains), rendered in 2-D or 3-D at a given pixel size."""
from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy.ndimage import gaussian_filter


def filaments(
    shape: Sequence[int],
    pixel_size_nm: float,
    n_filaments: int = 12,
    width_nm: float = 25.0,
    persistence_nm: float = 5000.0,
    z_step_nm: float | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Fluorophore density of ``n_filaments`` smooth chains across a YX or ZYX field, max 1.

    Each chain is a worm-like chain: its direction diffuses with persistence length
    ``persistence_nm`` (microtubules: millimetres in vitro, a few µm in cells), its brightness
    varies slowly along it, and its cross-section is Gaussian with FWHM ``width_nm``.
    """
    rng = np.random.default_rng(seed)
    shape = tuple(int(s) for s in shape)
    if len(shape) not in (2, 3):
        raise ValueError(f"filaments are rendered in 2-D or 3-D, got shape {shape}")
    spacing = np.array(
        ([z_step_nm or pixel_size_nm] if len(shape) == 3 else []) + [pixel_size_nm] * 2, float
    )
    extent = np.array(shape) * spacing
    step = 0.25 * pixel_size_nm
    density = np.zeros(shape, dtype=np.float64)
    for _ in range(n_filaments):
        points = _chain(rng, extent, step, persistence_nm, length=2.0 * extent[-2:].max())
        brightness = 0.5 + 0.5 * _smooth_noise(rng, len(points), correlation=400.0 / step)
        _splat(density, points / spacing, brightness)
    sigma_px = width_nm / 2.355 / spacing
    density = gaussian_filter(density, np.maximum(sigma_px, 0.5))
    return (density / max(density.max(), 1e-12)).astype(np.float32)


def _chain(rng, extent, step, persistence_nm, length) -> np.ndarray:
    ndim = len(extent)
    start = rng.uniform(0, 1, ndim) * extent
    direction = rng.normal(size=ndim)
    if ndim == 3:
        direction[0] *= 0.3  # filaments in cells run mostly parallel to the coverslip
    direction /= np.linalg.norm(direction)
    n = int(length / step)
    kicks = rng.normal(scale=np.sqrt(step / persistence_nm), size=(n, ndim))
    points = np.empty((n, ndim))
    position = start - direction * length / 2
    for i in range(n):
        direction = direction + kicks[i] - direction * (direction @ kicks[i])
        direction /= np.linalg.norm(direction)
        position = position + step * direction
        points[i] = position
    return points


def _smooth_noise(rng, n: int, correlation: float) -> np.ndarray:
    noise = gaussian_filter(rng.normal(size=n), max(correlation, 1.0), mode="wrap")
    return noise / max(np.abs(noise).max(), 1e-12)


def _splat(grid: np.ndarray, coords: np.ndarray, weights: np.ndarray) -> None:
    """Add ``weights`` at fractional pixel ``coords`` with linear interpolation (inside only)."""
    base = np.floor(coords).astype(int)
    frac = coords - base
    ndim = grid.ndim
    for corner in range(2**ndim):
        offset = np.array([(corner >> d) & 1 for d in range(ndim)])
        idx = base + offset
        w = weights * np.prod(np.where(offset, frac, 1 - frac), axis=1)
        inside = np.all((idx >= 0) & (idx < np.array(grid.shape)), axis=1)
        np.add.at(grid, tuple(idx[inside].T), w[inside])
