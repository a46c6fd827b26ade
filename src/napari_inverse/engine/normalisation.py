"""Input scaling for learned restorers: percentiles (CARE, m-rBCR, the shipped N2V) or mean/std.

Training (the patch sampler's per-frame bounds) and inference (every tile a model sees) both
scale with :func:`spec_bounds` and :func:`normalise`, so the two cannot drift apart. A model card
names its scaling: ``{"kind": "percentile", "low": 1, "high": 99.8}`` maps those percentiles to
0 and 1; ``{"kind": "mean_std"}`` maps the image's mean to 0 and its mean + one standard
deviation to 1 (Noise2Void from scratch: its outputs start at that scale, see
docs/benchmarks.md), and
``{"kind": "mean_std", "mean": m, "std": s}`` does so with fixed values (CAREamics's models).
"""
from __future__ import annotations

import numpy as np

# the percentiles mapped to 0 and 1 where a model card does not say otherwise
LOW_PERCENTILE = 1.0
HIGH_PERCENTILE = 99.8
PERCENTILE = {"kind": "percentile", "low": LOW_PERCENTILE, "high": HIGH_PERCENTILE}
MEAN_STD = {"kind": "mean_std"}


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


def mean_std_bounds(image, eps: float = 1e-6) -> tuple[float, float]:
    """(mean, mean + standard deviation) of ``image``: :func:`normalise` then standardises it.
    A flat image's spread is widened to ``eps`` as in :func:`percentile_bounds`."""
    values = np.asarray(image, dtype=np.float64)
    mean, std = float(values.mean()), float(values.std())
    return mean, mean + max(std, eps * max(1.0, abs(mean)))


def spec_bounds(image, spec: dict) -> tuple[float, float]:
    """The pair a card's normalisation ``spec`` maps to 0 and 1 for ``image``."""
    kind = spec.get("kind", "percentile")
    if kind == "mean_std" and "mean" in spec:  # fixed, e.g. a model imported from CAREamics
        mean = float(spec["mean"])
        return mean, mean + float(spec["std"])
    if kind == "mean_std":
        return mean_std_bounds(image)
    if kind == "percentile":
        return percentile_bounds(image, spec.get("low", LOW_PERCENTILE),
                                 spec.get("high", HIGH_PERCENTILE))
    raise ValueError(f"unknown normalisation kind {kind!r}; use 'percentile' or 'mean_std'")


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
