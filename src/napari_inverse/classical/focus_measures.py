"""Per-pixel focus measures of one slice: how much fine detail surrounds each pixel.

The measures of Li, Kudryashev & Yakimovich (Sci. Rep. 2023; references.md §5): variance of the
Laplacian, Tenengrad, Brenner, normalised variance, Vollath's F4 and a Haar-wavelet detail
energy. Each is a per-pixel energy averaged over a square window; as in the paper, every window's
score is given to each pixel it covers (averaged here over the covering windows, i.e. a second
box filter, with every position as a window instead of the paper's steps of 8–36 px), and the
maps of several window sizes are combined by the pixel-wise maximum. Box filters (separable, C),
no loop over windows.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from scipy import ndimage

DEFAULT_WINDOWS = (9, 17, 33)
"""Window sides in pixels, combined by maximum (the paper: 128 px on 512–1024 px images)."""
HAAR_LEVELS = 3


def _box(image: np.ndarray, size: int) -> np.ndarray:
    return ndimage.uniform_filter(image, size, mode="reflect")


def _shifted_difference(image: np.ndarray, shift: int, axis: int) -> np.ndarray:
    """I[i + shift] − I[i] along ``axis`` (edge-replicated, so the output has the input's shape)."""
    index = np.minimum(np.arange(image.shape[axis]) + shift, image.shape[axis] - 1)
    return np.take(image, index, axis=axis) - image


def _halved(image: np.ndarray) -> np.ndarray:
    """Means of 2 × 2 blocks (an odd last row or column repeated): the half-resolution grid."""
    padded = np.pad(image, [(0, n % 2) for n in image.shape], mode="edge")
    y, x = padded.shape
    return padded.reshape(y // 2, 2, x // 2, 2).mean(axis=(1, 3), dtype=np.float32)


def laplacian_energy(image: np.ndarray) -> np.ndarray:
    """The Laplacian (its windowed variance is the measure)."""
    return ndimage.laplace(image, mode="reflect")


def tenengrad_energy(image: np.ndarray) -> np.ndarray:
    """Sobel gradient magnitude² (Tenengrad)."""
    return np.square(ndimage.sobel(image, 0)) + np.square(ndimage.sobel(image, 1))


def brenner_energy(image: np.ndarray) -> np.ndarray:
    """(I[i+2] − I[i])², along both axes so that the measure does not prefer one direction."""
    return sum(np.square(_shifted_difference(image, 2, axis)) for axis in (0, 1))


def vollath_energy(image: np.ndarray) -> np.ndarray:
    """Vollath's F4 autocorrelation I·I[i+1] − I·I[i+2], along both axes."""
    return sum(image * (_shifted_difference(image, 1, axis) - _shifted_difference(image, 2, axis))
               for axis in (0, 1))


def _haar_details(image: np.ndarray, size: int) -> np.ndarray:
    """Energy of the Haar details (horizontal, vertical, diagonal) of ``size``-pixel blocks."""
    block = _box(image, size) if size > 1 else image
    horizontal = _shifted_difference(block, size, 1)
    vertical = _shifted_difference(block, size, 0)
    diagonal = _shifted_difference(horizontal, size, 0)
    return np.square(horizontal) + np.square(vertical) + np.square(diagonal)


def haar_energy_halved(image: np.ndarray) -> np.ndarray:
    """Undecimated Haar detail energy of levels 1–3 on the half-resolution grid: level 1 from
    the image, levels 2 and 3 from its 2 × 2 block means (the Haar approximation)."""
    approximation = _halved(image)
    return (_halved(_haar_details(image, 1)) + _haar_details(approximation, 1)
            + _haar_details(approximation, 2))


def _mean_and_square(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _halved(values), _halved(np.square(values))


MOMENTS: dict[str, Callable[[np.ndarray], tuple[np.ndarray, ...]]] = {
    "laplacian_variance": lambda image: _mean_and_square(laplacian_energy(image)),
    "tenengrad": lambda image: (_halved(tenengrad_energy(image)),),
    "brenner": lambda image: (_halved(brenner_energy(image)),),
    "normalised_variance": _mean_and_square,
    "vollath": lambda image: (_halved(vollath_energy(image)),),
    "haar": lambda image: (haar_energy_halved(image),),
}
"""Measure name → the per-pixel quantities its window score needs, on the half grid: an energy
(window score: its mean), or a value and its square (window score: the variance)."""
MEASURES = tuple(MOMENTS)


def _window_score(measure: str, moments: tuple[np.ndarray, ...], size: int) -> np.ndarray:
    """The score of the window centred on every half-grid pixel."""
    if len(moments) == 1:
        return np.maximum(_box(moments[0], size), 0)  # Vollath's F4 may dip below zero
    mean = _box(moments[0], size)
    variance = np.maximum(_box(moments[1], size) - mean * mean, 0)
    if measure == "normalised_variance":
        return variance / np.maximum(mean, np.float32(1e-6))
    return variance


def focus_map(plane, measure: str = "laplacian_variance",
              windows: Sequence[int] = DEFAULT_WINDOWS) -> np.ndarray:
    """The (Y, X) float32 focus score of one slice: ``measure`` per window, given to every pixel
    the window covers, the maximum over the window sizes ``windows`` (pixels).

    Windows are averaged on the half-resolution grid (2 × 2 block means: a window of w pixels
    spans (w + 1) // 2 there) and the map is repeated back to full size: the windows are at
    least 5 pixels wide, and it makes the measure four times cheaper.
    """
    if measure not in MOMENTS:
        raise ValueError(f"unknown focus measure {measure!r}; choose one of {', '.join(MEASURES)}")
    image = np.asarray(plane, dtype=np.float32)
    moments = MOMENTS[measure](image)
    combined = None
    for size in windows:
        half = max(1, (int(size) + 1) // 2)
        per_pixel = _box(_window_score(measure, moments, half), half)
        combined = per_pixel if combined is None else np.maximum(combined, per_pixel)
    full = np.repeat(np.repeat(combined, 2, axis=0), 2, axis=1)
    return np.ascontiguousarray(full[: image.shape[0], : image.shape[1]])
