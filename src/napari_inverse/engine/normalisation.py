"""Percentile normalisation, the input scaling learned restorers expect (CARE, N2V, m-rBCR).

Training (the patch sampler's per-frame bounds) and inference (every tile a model sees) both
scale with :func:`percentile_bounds` and :func:`normalise`, so the two cannot drift apart.
"""
from __future__ import annotations

import numpy as np

# the percentiles mapped to 0 and 1 where a model card does not say otherwise
LOW_PERCENTILE = 1.0
HIGH_PERCENTILE = 99.8


def percentile_bounds(
    image, low: float = LOW_PERCENTILE, high: float = HIGH_PERCENTILE, eps: float = 1e-6
) -> tuple[float, float]:
    """The ``low`` and ``high`` percentiles of ``image``: the pair :func:`normalise` maps to 0, 1.

    Robust to hot pixels and to the camera offset. On a (nearly) flat image the span is widened
    to ``eps`` (relative to the level, so that it survives float rounding at any offset).
    """
    if not 0 <= low < high <= 100:
        raise ValueError(f"percentiles must satisfy 0 <= low < high <= 100, got {low}, {high}")
    lo, hi = (float(v) for v in np.percentile(image, [low, high]))
    span = max(hi - lo, eps * max(1.0, abs(lo)))
    return lo, lo + span


def normalise(image, bounds: tuple[float, float]) -> np.ndarray:
    """``image`` as float32 with ``bounds`` mapped to 0 and 1; :func:`denormalise` inverts it.

    Multiplies by the reciprocal span, as training always has: a training run depends on every
    bit of its patches, so this keeps the shipped models reproducible from their cards' seeds.
    """
    lo, hi = bounds
    scaled = (np.asarray(image, dtype=np.float32) - lo) * (1.0 / (hi - lo))
    return scaled.astype(np.float32, copy=False)


def denormalise(image: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    """Invert :func:`normalise` with the same pair."""
    lo, hi = bounds
    return (image * (hi - lo) + lo).astype(np.float32, copy=False)


def percentile_normalise(
    image, low: float = LOW_PERCENTILE, high: float = HIGH_PERCENTILE, eps: float = 1e-6
) -> tuple[np.ndarray, tuple[float, float]]:
    """``image`` normalised by its own :func:`percentile_bounds`, and the pair used."""
    bounds = percentile_bounds(image, low, high, eps)
    return normalise(image, bounds), bounds


def strided_subsample(frame, max_samples: int):
    """Every k-th pixel along each axis so that at most about ``max_samples`` remain, sliced
    before reading, so a huge frame (or a dask one) is never converted whole."""
    total = int(np.prod(frame.shape, dtype=np.int64))
    stride = max(1, int(np.ceil((total / max_samples) ** (1.0 / frame.ndim))))
    return frame[(slice(None, None, stride),) * frame.ndim] if stride > 1 else frame
