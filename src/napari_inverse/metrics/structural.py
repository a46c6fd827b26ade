"""Structural similarity: SSIM (Wang et al. 2004), MS-SSIM (Wang, Simoncelli & Bovik 2003) and
m-rBCR's stack SSIM.

SSIM here is the paper's: an 11-tap Gaussian window (σ = 1.5 px, truncated at 3.5σ), population
(co)variances, K1 = 0.01, K2 = 0.03, the map averaged after cropping the window's half-width
(5 px) at every border, as scikit-image does. It works in 2-D and 3-D alike; the data range is
explicit (default: the truth's max − min), never inferred from the dtype.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from scipy.ndimage import gaussian_filter

from ._checks import as_float_pair, require_stack, resolve_data_range

K1, K2 = 0.01, 0.03
SIGMA, TRUNCATE = 1.5, 3.5
WINDOW = 2 * int(TRUNCATE * SIGMA + 0.5) + 1  # 11 taps, as in Wang et al. 2004
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def _ssim_terms(truth: np.ndarray, estimate: np.ndarray, data_range: float):
    """Luminance and contrast-structure maps, cropped by the window's half-width; SSIM is l·cs."""
    def smooth(a):
        return gaussian_filter(a, sigma=SIGMA, truncate=TRUNCATE, mode="reflect")

    mean_t, mean_e = smooth(truth), smooth(estimate)
    var_t = smooth(truth * truth) - mean_t**2
    var_e = smooth(estimate * estimate) - mean_e**2
    covariance = smooth(truth * estimate) - mean_t * mean_e
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    luminance = (2 * mean_t * mean_e + c1) / (mean_t**2 + mean_e**2 + c1)
    contrast_structure = (2 * covariance + c2) / (var_t + var_e + c2)
    pad = (WINDOW - 1) // 2
    inner = tuple(slice(pad, n - pad) for n in truth.shape)
    return luminance[inner], contrast_structure[inner]


def _prepare(truth, estimate, data_range):
    truth, estimate = as_float_pair(truth, estimate)
    if truth.ndim not in (2, 3):
        raise ValueError(f"SSIM takes a 2-D or 3-D image, got shape {truth.shape}")
    if min(truth.shape) < WINDOW:
        raise ValueError(
            f"SSIM needs at least {WINDOW} pixels along every axis (its Gaussian window); "
            f"got shape {truth.shape}"
        )
    return truth, estimate, resolve_data_range(truth, data_range)


def ssim(truth, estimate, data_range: Optional[float] = None) -> float:
    """Mean structural similarity of a 2-D or 3-D image, 1 for identical images."""
    truth, estimate, data_range = _prepare(truth, estimate, data_range)
    luminance, contrast_structure = _ssim_terms(truth, estimate, data_range)
    return float(np.mean(luminance * contrast_structure))


def _halve(image: np.ndarray) -> np.ndarray:
    """Halve every axis by averaging 2×2(×2) blocks as Wang's code does; an odd last row drops."""
    even = image[tuple(slice(0, n - n % 2) for n in image.shape)]
    blocks = even.reshape([size for n in even.shape for size in (n // 2, 2)])
    return blocks.mean(axis=tuple(range(1, blocks.ndim, 2)))


def ms_ssim(truth, estimate, data_range: Optional[float] = None, scales: int = 5) -> float:
    """Multi-scale SSIM: Π_j mean(cs_j)^w_j over the finer scales × mean(SSIM_M)^w_M at the last.

    Weights are Wang et al.'s (0.0448, 0.2856, 0.3001, 0.2363, 0.1333). An image too small to
    hold the 11-px window after 4 halvings (< 176 px on its shortest axis) uses as many scales
    as fit, with the first weights renormalised to sum to one; ``scales=1`` is plain SSIM. A
    negative mean term (anti-correlated structure) is clipped to 0 before the fractional power,
    which would otherwise be undefined, so the score lies in [0, 1]. 3-D images are halved
    along all three axes.
    """
    truth, estimate, data_range = _prepare(truth, estimate, data_range)
    if not 1 <= scales <= len(MS_SSIM_WEIGHTS):
        raise ValueError(f"scales must be between 1 and {len(MS_SSIM_WEIGHTS)}, got {scales}")
    fitting, side = 0, min(truth.shape)
    while fitting < scales and side >= WINDOW:
        fitting, side = fitting + 1, side // 2
    weights = np.asarray(MS_SSIM_WEIGHTS[:fitting]) / sum(MS_SSIM_WEIGHTS[:fitting])
    score = 1.0
    for scale, weight in enumerate(weights):
        luminance, contrast_structure = _ssim_terms(truth, estimate, data_range)
        coarsest = scale == fitting - 1
        term = np.mean(luminance * contrast_structure if coarsest else contrast_structure)
        score *= max(float(term), 0.0) ** weight
        truth, estimate = _halve(truth), _halve(estimate)
    return float(score)


def pooled_ssim(truth_stack, estimate_stack, data_range: float = 2.0) -> float:
    """SSIM over a (N, H, W) stack taken as one volume, as m-rBCR's evaluation computes it.

    m-rBCR calls scikit-image's ``structural_similarity(pred, gt, multichannel=True)`` on the
    (N, H, W, 1) stack: a 3-D SSIM across the image axis with scikit-image's defaults (a 7-voxel
    uniform window, sample covariance), not Wang's Gaussian window, and no data range, which old
    scikit-image inferred from the float dtype as 1 − (−1) = 2. The default ``data_range=2.0``
    reproduces that; on [0, 1] data it makes the stabilising constants 4× larger than
    ``data_range=1`` would, which pulls the score towards 1. Needs N ≥ 7.
    """
    from skimage.metrics import structural_similarity

    truth, estimate = as_float_pair(truth_stack, estimate_stack, ("truth_stack", "estimate_stack"))
    require_stack(truth)
    if min(truth.shape) < 7:
        raise ValueError(
            f"the 7-voxel window needs at least 7 images and 7 pixels per axis; got {truth.shape}"
        )
    data_range = resolve_data_range(truth, data_range)
    return float(structural_similarity(truth, estimate, data_range=data_range))
