"""Irregular rounded outlines (nuclei, ER sheets): ellipses whose radius wobbles with angle."""

from __future__ import annotations

import math

import numpy as np

_HARMONICS = np.arange(2, 6)


def radial_coordinate(
    rng: np.random.Generator,
    dy_nm: np.ndarray,
    dx_nm: np.ndarray,
    semi_axes_nm: tuple[float, float],
    roughness: float = 0.05,
) -> np.ndarray:
    """ρ of each point relative to a randomly turned, wobbly ellipse: < 1 inside, 1 on the outline.

    ``dy_nm``, ``dx_nm`` are offsets from the centre (broadcastable grids). The outline's radius
    is modulated by harmonics 2–5 with amplitudes ~``roughness``/k, so shapes are smooth and
    star-convex like nuclei and ER cisternae, never self-intersecting.
    """
    turn = rng.uniform(0, math.pi)
    u = (dy_nm * math.cos(turn) + dx_nm * math.sin(turn)) / semi_axes_nm[0]
    v = (-dy_nm * math.sin(turn) + dx_nm * math.cos(turn)) / semi_axes_nm[1]
    angle = np.arctan2(v, u)
    amplitudes = roughness * rng.normal(size=_HARMONICS.size) / _HARMONICS
    phases = rng.uniform(0, 2 * math.pi, _HARMONICS.size)
    wobble = 1 + sum(a * np.cos(k * angle + p) for a, k, p in zip(amplitudes, _HARMONICS, phases))
    return np.hypot(u, v) / np.maximum(wobble, 0.5)
