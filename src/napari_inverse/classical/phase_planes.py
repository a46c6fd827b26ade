"""Intensity and its axial derivative at focus from defocused planes, by least squares.

Each pixel's intensities I(z_j) are fitted with a polynomial in z (a line for two planes, a
parabola for three or more), so any spacing works and more planes average noise down; the fit's
value and slope at z = 0 are the in-focus intensity and ∂I/∂z. The fit is linear in the planes,
so it reduces to two weighted sums computed once from the distances.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


def focus_fit_weights(dz_nm: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Weights w₀, w₁ (one per plane) with I(0) = Σ w₀ⱼ Iⱼ and ∂I/∂z(0) = Σ w₁ⱼ Iⱼ (per nm)."""
    dz = np.asarray(dz_nm, dtype=np.float64)
    if dz.ndim != 1 or dz.size < 2 or len(np.unique(dz)) < 2:
        raise ValueError(f"need at least two planes at different defocus, got {dz.tolist()}")
    degree = 1 if len(np.unique(dz)) == 2 else 2
    scale = np.abs(dz).max()
    vandermonde = np.vander(dz / scale, degree + 1, increasing=True)
    solve = np.linalg.pinv(vandermonde)  # rows: coefficients of 1, z, z² (z in units of scale)
    return solve[0], solve[1] / scale

