"""Smooth random textures: raw material of synthetic phase maps and focal-stack scenes."""
from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy.ndimage import gaussian_filter


def smooth_texture(
    shape: Sequence[int], correlation_px: float, rng: np.random.Generator
) -> np.ndarray:
    """Gaussian-filtered white noise of correlation length ``correlation_px``, rescaled to [0, 1].

    Periodic (``mode="wrap"``), so FFT-based imaging of it shows no seam at the borders.
    """
    noise = gaussian_filter(rng.normal(size=tuple(shape)), max(correlation_px, 0.5), mode="wrap")
    low, high = noise.min(), noise.max()
    return (noise - low) / max(high - low, 1e-12)
