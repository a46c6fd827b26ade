"""Phase-map error in radians, blind to the offsets that phase retrieval cannot recover.

Phase is defined up to a constant (piston): TIE and most retrievals fix it arbitrarily, so it is
removed before comparing. A linear ramp (tilt) only tilts the wavefront, and some retrievals
leave one (TIE with misaligned planes or imperfect boundary conditions); removing it as well is
an option, off by default, so a reported number says which.
Maps must be unwrapped (continuous) phases in radians.
"""
from __future__ import annotations

import numpy as np

from ._checks import as_float_pair


def phase_rmse(truth, estimate, remove_tilt: bool = False) -> float:
    """RMS of (estimate − truth) in radians after subtracting its mean, or its best-fit plane.

    With ``remove_tilt`` the least-squares plane c + Σ aᵢ·xᵢ over all axes is subtracted, so the
    result ignores both piston and tilt; otherwise only the mean difference (piston) is.
    """
    truth, estimate = as_float_pair(truth, estimate)
    residual = estimate - truth
    residual -= residual.mean()
    if remove_tilt:
        # On a full grid, centred coordinates are orthogonal to each other and to the constant,
        # so the least-squares plane is the mean plus one independent slope per axis.
        for axis, n in enumerate(truth.shape):
            if n == 1:
                continue
            shape = [n if a == axis else 1 for a in range(truth.ndim)]
            coordinate = (np.arange(n) - (n - 1) / 2).reshape(shape)
            slope = np.sum(residual * coordinate) / (np.sum(coordinate**2) * residual.size / n)
            residual -= slope * coordinate
    return float(np.sqrt(np.mean(residual**2)))
