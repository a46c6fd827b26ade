"""Calibration of a predicted per-pixel standard deviation against the actual error.

A useful uncertainty map ranks pixels by how wrong they are (Spearman correlation of σ with
|error|) and has the right scale: under Gaussian errors with the true σ, ±1σ covers 68.3 % and
±2σ 95.4 % of pixels. Too narrow intervals (over-confidence) cover less, too wide ones more.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import erf, sqrt

import numpy as np
from scipy.stats import spearmanr

from ._checks import as_float, as_float_pair


def _errors_and_std(truth, estimate, std) -> tuple[np.ndarray, np.ndarray]:
    """|estimate − truth| and the predicted std, flattened, after checking shapes and signs."""
    truth, estimate = as_float_pair(truth, estimate)
    if np.shape(std) != truth.shape:
        raise ValueError(f"shapes differ: truth {truth.shape}, std {np.shape(std)}")
    std = as_float(std, "std")
    if std.min() < 0:
        raise ValueError("std has negative values; a standard deviation is ≥ 0")
    return np.abs(estimate - truth).ravel(), std.ravel()


def gaussian_coverage(k: float) -> float:
    """Fraction of a Gaussian within ±k standard deviations, erf(k/√2): 0.683 (k=1), 0.954 (k=2)."""
    return erf(k / sqrt(2))


def std_error_spearman(truth, estimate, std) -> float:
    """Spearman rank correlation of predicted σ with |error|: 1 when σ ranks pixels as |error| does.

    Rank-based, so it judges whether the uncertainty points at the right pixels regardless of
    its scale (use :func:`interval_coverage` for the scale).
    """
    error, std = _errors_and_std(truth, estimate, std)
    if np.ptp(error) == 0 or np.ptp(std) == 0:
        raise ValueError("the error or the std is constant, so a rank correlation is undefined")
    return float(spearmanr(std, error).statistic)


def interval_coverage(truth, estimate, std, k: float = 1.0) -> float:
    """Fraction of pixels whose truth lies within estimate ± k·σ (|error| ≤ k·σ)."""
    if not k > 0:
        raise ValueError(f"k must be positive, got {k!r}")
    error, std = _errors_and_std(truth, estimate, std)
    return float(np.mean(error <= k * std))


@dataclass(frozen=True)
class CalibrationCurve:
    """Observed against Gaussian-expected coverage for several interval half-widths k·σ."""

    k: np.ndarray
    observed: np.ndarray
    expected: np.ndarray


def calibration_curve(truth, estimate, std, ks=(0.5, 1.0, 1.5, 2.0, 2.5, 3.0)) -> CalibrationCurve:
    """Coverage of ±k·σ per k: observed below expected is over-confident, above under-confident."""
    ks = np.asarray(ks, dtype=np.float64)
    if ks.ndim != 1 or ks.size == 0 or not np.all(ks > 0):
        raise ValueError(f"ks must be a non-empty list of positive numbers, got {ks!r}")
    error, std = _errors_and_std(truth, estimate, std)
    observed = np.array([np.mean(error <= k * std) for k in ks])
    return CalibrationCurve(ks, observed, np.array([gaussian_coverage(k) for k in ks]))


def calibration_factor(truth, estimate, std, k: float = 2.0) -> float:
    """The factor c for which ±k·c·σ covers the Gaussian share of pixels (95.4 % at k = 2).

    The quantile of |error|/σ at that share, divided by k: a sampled spread that is too narrow
    gets c > 1. Fit it on data the model never saw, then check coverage on other data.
    """
    if not k > 0:
        raise ValueError(f"k must be positive, got {k!r}")
    error, std = _errors_and_std(truth, estimate, std)
    ratio = error / np.maximum(std, np.finfo(np.float64).tiny)
    return float(np.quantile(ratio, gaussian_coverage(k)) / k)
