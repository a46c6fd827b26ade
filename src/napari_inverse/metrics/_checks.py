"""Input checks shared by the metrics, so every metric refuses bad input with the same words."""
from __future__ import annotations

from typing import Optional

import numpy as np


def as_float(array, name: str) -> np.ndarray:
    """One array as float64, checked to be non-empty and finite."""
    array = np.asarray(array, dtype=np.float64)
    if array.size == 0:
        raise ValueError(f"{name} is empty; a metric needs at least one value")
    bad = int(array.size - np.count_nonzero(np.isfinite(array)))
    if bad:
        raise ValueError(f"{name} has {bad} NaN or infinite values; mask or fill them first")
    return array


def as_float_pair(truth, estimate, names=("truth", "estimate")) -> tuple[np.ndarray, np.ndarray]:
    """Both arrays as float64, after checking that their shapes agree and every value is finite."""
    if np.shape(truth) != np.shape(estimate):
        raise ValueError(
            f"shapes differ: {names[0]} {np.shape(truth)}, {names[1]} {np.shape(estimate)}; "
            "compare arrays of the same shape"
        )
    return as_float(truth, names[0]), as_float(estimate, names[1])


def resolve_data_range(truth: np.ndarray, data_range: Optional[float]) -> float:
    """The explicit data range, or the truth's max − min when none is given; always positive."""
    if data_range is None:
        data_range = float(truth.max() - truth.min())
        if data_range <= 0:
            raise ValueError(
                "the data range must be positive; the truth is constant, "
                "so pass data_range explicitly"
            )
        return data_range
    if not np.isfinite(data_range) or data_range <= 0:
        raise ValueError(f"data_range must be a positive finite number, got {data_range!r}")
    return float(data_range)


def require_stack(truth: np.ndarray) -> None:
    """Stack metrics need a leading image axis: (N, Y, X) or (N, Z, Y, X)."""
    if truth.ndim < 3:
        raise ValueError(
            "expected a stack of images with the image index first, e.g. (N, Y, X); "
            f"got shape {truth.shape}"
        )
