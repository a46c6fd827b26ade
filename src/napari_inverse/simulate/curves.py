"""Curve geometry for filaments and tubules: worm-like chains and bowed segments, vectorised.

Positions are in nm, axes (Y, X) or (Z, Y, X) like the field. All curves of one call are
generated together as (curves × points) arrays, so no Python loop runs along a curve.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

# In 3-D, cells are flat: a filament's elevation above the coverslip plane wanders around zero
# with this spread (radians) and forgets its past over this length.
_ELEVATION_SPREAD_RAD = 0.15
_ELEVATION_MEMORY_NM = 2000.0


def worm_like_chains(
    rng: np.random.Generator,
    starts_nm: np.ndarray,
    azimuths: np.ndarray,
    n_steps: int,
    step_nm: float,
    persistence_nm: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Chains from ``starts_nm`` (N × ndim) heading along ``azimuths`` (radians in the YX plane).

    The in-plane direction diffuses with variance step/persistence per step, so the tangent
    correlation decays as exp(−s/2P), the worm-like chain equilibrated on a surface. In 3-D the
    elevation is a mean-reverting walk about the coverslip plane. Returns points (N × n_steps ×
    ndim) and the azimuth at each point (N × n_steps), the latter for branching.
    """
    starts_nm = np.atleast_2d(np.asarray(starts_nm, dtype=float))
    count, ndim = starts_nm.shape
    kicks = rng.normal(scale=np.sqrt(step_nm / persistence_nm), size=(count, n_steps))
    kicks[:, 0] = 0.0
    azimuth = np.asarray(azimuths, dtype=float)[:, None] + np.cumsum(kicks, axis=1)
    lateral = np.stack([np.sin(azimuth), np.cos(azimuth)], axis=-1)
    if ndim == 3:
        memory = np.exp(-step_nm / _ELEVATION_MEMORY_NM)
        drive = rng.normal(
            scale=_ELEVATION_SPREAD_RAD * np.sqrt(1 - memory**2), size=(count, n_steps)
        )
        drive[:, 0] = rng.normal(scale=_ELEVATION_SPREAD_RAD, size=count)
        elevation = lfilter([1.0], [1.0, -memory], drive, axis=1)
        tangent = np.concatenate(
            [np.sin(elevation)[..., None], np.cos(elevation)[..., None] * lateral], axis=-1
        )
    else:
        tangent = lateral
    points = starts_nm[:, None, :] + step_nm * np.cumsum(tangent, axis=1)
    return points, azimuth


def bowed_segments(
    rng: np.random.Generator,
    ends_a: np.ndarray,
    ends_b: np.ndarray,
    step_nm: float,
    bow: float,
    brightness: np.ndarray | float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Points along quadratic Bézier curves from ``ends_a`` to ``ends_b`` (N × ndim), every ~step.

    Each curve bows sideways (in YX) by a normal deviate of ``bow`` × its length, so tubules
    between junctions are gently curved rather than ruler-straight. Returns (M × ndim) points
    and their splat weights: the length of curve each stands for times its segment's
    ``brightness``, so brightness per length is even however finely a segment is cut.
    """
    ends_a, ends_b = np.asarray(ends_a, float), np.asarray(ends_b, float)
    chord = ends_b - ends_a
    length = np.linalg.norm(chord, axis=1)
    normal = np.zeros_like(chord)
    normal[:, -2], normal[:, -1] = -chord[:, -1], chord[:, -2]
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-12)
    control = (
        0.5 * (ends_a + ends_b) + normal * (bow * length * rng.normal(size=len(length)))[:, None]
    )
    counts = np.maximum(2, np.ceil(length / step_nm).astype(int) + 1)
    owner = np.repeat(np.arange(len(length)), counts)
    first = np.cumsum(counts) - counts
    t = ((np.arange(owner.size) - first[owner]) / (counts[owner] - 1))[:, None]
    points = (1 - t) ** 2 * ends_a[owner] + 2 * t * (1 - t) * control[owner] + t**2 * ends_b[owner]
    return points, (length / (counts - 1) * brightness)[owner]
