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
    difference = (estimate - truth).ravel()
    if remove_tilt:
        coordinates = np.indices(truth.shape).reshape(truth.ndim, -1).T.astype(np.float64)
        design = np.column_stack([np.ones(difference.size), coordinates - coordinates.mean(axis=0)])
        fit, *_ = np.linalg.lstsq(design, difference, rcond=None)
        residual = difference - design @ fit
    else:
        residual = difference - difference.mean()
    return float(np.sqrt(np.mean(residual**2)))
