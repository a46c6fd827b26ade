"""Pixel-wise fidelity against a known truth: PSNR, NRMSE, and pooled versus per-image stack PSNR.

Every metric takes the data range explicitly (or states its default), so a score never depends on
the array's dtype or on a silent rescaling of the estimate.
"""
from __future__ import annotations

from typing import Literal, Optional

import numpy as np

from ._checks import as_float_pair, require_stack, resolve_data_range


def _psnr_from_mse(mse, data_range: float):
    """10·log10(R²/MSE), +inf where the MSE is exactly zero."""
    mse = np.asarray(mse, dtype=np.float64)
    nonzero = np.where(mse == 0, 1.0, mse)
    return np.where(mse == 0, np.inf, 10.0 * np.log10(data_range**2 / nonzero))


def psnr(truth, estimate, data_range: Optional[float] = None) -> float:
    """Peak signal-to-noise ratio in dB, 10·log10(R²/MSE); R defaults to the truth's max − min.

    The estimate must be in the truth's units (a deconvolution returns photo-electrons, as the
    simulated truth is), so no rescaling hides a bias. Identical images give +inf.
    """
    truth, estimate = as_float_pair(truth, estimate)
    data_range = resolve_data_range(truth, data_range)
    return float(_psnr_from_mse(np.mean((truth - estimate) ** 2), data_range))


def nrmse(
    truth,
    estimate,
    normalization: Literal["range", "mean", "std"] = "range",
    data_range: Optional[float] = None,
) -> float:
    """Root-mean-square error divided by a scale of the truth, so errors compare across intensities.

    ``normalization``: ``"range"`` divides by ``data_range`` (default: the truth's max − min),
    ``"mean"`` by the truth's mean absolute level ``|mean(truth)|``, ``"std"`` by the truth's
    standard deviation. ``data_range`` only applies to ``"range"``. Identical images give 0.
    """
    truth, estimate = as_float_pair(truth, estimate)
    if normalization != "range" and data_range is not None:
        raise ValueError(f"data_range only applies to normalization='range', not {normalization!r}")
    if normalization == "range":
        scale = resolve_data_range(truth, data_range)
    elif normalization == "mean":
        scale = abs(float(truth.mean()))
    elif normalization == "std":
        scale = float(truth.std())
    else:
        raise ValueError(f"normalization must be 'range', 'mean' or 'std', got {normalization!r}")
    if scale == 0:
        raise ValueError(f"the truth's {normalization} is zero; choose another normalization")
    return float(np.sqrt(np.mean((truth - estimate) ** 2)) / scale)


def pooled_psnr(truth_stack, estimate_stack, data_range: float = 1.0) -> float:
    """PSNR of the MSE pooled over the whole stack: the m-rBCR paper's "reference-compatible" score.

    m-rBCR's evaluation passes the whole (N, H, W) test stack to one PSNR call with
    ``data_range=1``, so it reports 10·log10(R² / mean over all pixels of all images). This is
    not the mean of per-image PSNRs (:func:`mean_psnr`): the logarithm is taken after pooling,
    so a few badly restored images weigh in by their squared error, while the per-image mean
    averages in dB, where one poor image costs only its share of the log. By Jensen's inequality
    the pooled score is never above the per-image mean, and they agree only when every image has
    the same MSE. Use this to compare with published m-rBCR numbers; use :func:`mean_psnr` (or
    :func:`psnr` per image) for a clean per-image report.
    """
    truth, estimate = as_float_pair(truth_stack, estimate_stack, ("truth_stack", "estimate_stack"))
    require_stack(truth)
    data_range = resolve_data_range(truth, data_range)
    return float(_psnr_from_mse(np.mean((truth - estimate) ** 2), data_range))


def mean_psnr(truth_stack, estimate_stack, data_range: float = 1.0) -> float:
    """Mean over the stack's first axis of the per-image PSNR (dB), all sharing ``data_range``.

    The per-image counterpart of :func:`pooled_psnr`; a perfectly restored image has PSNR +inf
    and makes the mean +inf.
    """
    truth, estimate = as_float_pair(truth_stack, estimate_stack, ("truth_stack", "estimate_stack"))
    require_stack(truth)
    data_range = resolve_data_range(truth, data_range)
    per_image_mse = np.mean((truth - estimate) ** 2, axis=tuple(range(1, truth.ndim)))
    return float(np.mean(_psnr_from_mse(per_image_mse, data_range)))
