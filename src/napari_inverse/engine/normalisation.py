"""Percentile normalisation, the input scaling learned restorers expect (CARE, N2V, m-rBCR)."""
from __future__ import annotations

import numpy as np


def percentile_normalise(
    image: np.ndarray, low: float = 1.0, high: float = 99.8, eps: float = 1e-6
) -> tuple[np.ndarray, tuple[float, float]]:
    """Map the ``low`` and ``high`` percentiles to 0 and 1; return the result and the pair used.

    Robust to hot pixels and to the camera offset; the pair lets the caller map predictions back.
    On a (nearly) flat image the span is widened to ``eps`` (relative to the level, so that it
    survives float rounding at any offset) and the pair returned is the one actually divided by,
    so that :func:`denormalise` inverts exactly.
    """
    if not 0 <= low < high <= 100:
        raise ValueError(f"percentiles must satisfy 0 <= low < high <= 100, got {low}, {high}")
    lo, hi = (float(v) for v in np.percentile(image, [low, high]))
    span = max(hi - lo, eps * max(1.0, abs(lo)))
    scaled = (np.asarray(image, dtype=np.float32) - lo) / span
    return scaled.astype(np.float32, copy=False), (lo, lo + span)


def denormalise(image: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    """Invert :func:`percentile_normalise` with the pair it returned."""
    lo, hi = bounds
    return (image * (hi - lo) + lo).astype(np.float32, copy=False)
