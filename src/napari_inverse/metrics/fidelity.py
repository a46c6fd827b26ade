"""Image-quality metrics against a known truth (numpy only), with the data range made explicit."""
from __future__ import annotations

from typing import Optional

import numpy as np


def psnr(truth: np.ndarray, estimate: np.ndarray, data_range: Optional[float] = None) -> float:
    """Peak signal-to-noise ratio in dB; ``data_range`` defaults to the truth's max − min.

    The estimate must be in the truth's units (a deconvolution returns photo-electrons, as the
    simulated truth is), so no rescaling hides a bias.
    """
    truth = np.asarray(truth, dtype=np.float64)
    if truth.shape != np.shape(estimate):
        raise ValueError(f"shapes differ: truth {truth.shape}, estimate {np.shape(estimate)}")
    if data_range is None:
        data_range = float(truth.max() - truth.min())
    if data_range <= 0:
        raise ValueError("the data range must be positive; the truth is constant")
    mse = float(np.mean((truth - np.asarray(estimate, dtype=np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(data_range**2 / mse)
