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


def _local_variance(image: np.ndarray, size: int) -> np.ndarray:
    mean = _box(image, size)
    return np.maximum(_box(image * image, size) - mean * mean, 0)


def laplacian_energy(image: np.ndarray) -> np.ndarray:
    """Laplacian², whose window mean minus squared mean is the Laplacian's variance."""
    return np.square(ndimage.laplace(image, mode="reflect"))


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


def haar_energy(image: np.ndarray) -> np.ndarray:
    """Undecimated Haar detail energy (horizontal, vertical, diagonal) summed over levels 1–3:
    each level's details are differences of neighbouring 2ˡ-pixel block means."""
    energy = np.zeros_like(image)
    for level in range(HAAR_LEVELS):
        size = 2 ** level
        block = _box(image, size) if size > 1 else image
        horizontal = _shifted_difference(block, size, 1)
        vertical = _shifted_difference(block, size, 0)
        diagonal = _shifted_difference(horizontal, size, 0)
        energy += np.square(horizontal) + np.square(vertical) + np.square(diagonal)
    return energy


def _windowed_mean(energy: Callable) -> Callable:
    return lambda image, size: _box(energy(image), size)


MEASURES: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    "laplacian_variance": lambda image, size: _local_variance(ndimage.laplace(image), size),
    "tenengrad": _windowed_mean(tenengrad_energy),
    "brenner": _windowed_mean(brenner_energy),
    "normalised_variance": lambda image, size: _local_variance(image, size) / np.maximum(
        _box(image, size), np.float32(1e-6)),
    "vollath": lambda image, size: np.maximum(_box(vollath_energy(image), size), 0),
    "haar": _windowed_mean(haar_energy),
}
"""Measure name → ``score(slice, window)``: a window's score at every window centre."""


def focus_map(plane, measure: str = "laplacian_variance",
              windows: Sequence[int] = DEFAULT_WINDOWS) -> np.ndarray:
    """The (Y, X) float32 focus score of one slice: ``measure`` per window, given to every pixel
    the window covers, the maximum over the window sizes ``windows`` (pixels)."""
    if measure not in MEASURES:
        raise ValueError(f"unknown focus measure {measure!r}; choose one of {', '.join(MEASURES)}")
    image = np.asarray(plane, dtype=np.float32)
    score = MEASURES[measure]
    combined = None
    for size in windows:
        per_pixel = _box(score(image, int(size)), int(size))
        combined = per_pixel if combined is None else np.maximum(combined, per_pixel)
    return combined
