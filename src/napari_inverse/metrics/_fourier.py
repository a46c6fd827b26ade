"""Fourier-space helpers for the resolution estimates: apodisation and the radial frequency grid."""
from __future__ import annotations

import numpy as np


def taper_edges(image: np.ndarray, width: int) -> np.ndarray:
    """Blend the outer ``width`` pixels of each axis into the image mean with a raised-cosine ramp.

    An FFT treats the image as periodic, so the jump between opposite edges would add a bright
    cross of spurious high frequencies to the spectrum and bias any resolution estimate.
    """
    mask = np.ones(image.shape)
    for axis, n in enumerate(image.shape):
        ramp_width = min(width, n // 2)
        ramp = np.ones(n)
        if ramp_width:
            rise = 0.5 * (1 - np.cos(np.pi * (np.arange(ramp_width) + 0.5) / ramp_width))
            ramp[:ramp_width], ramp[n - ramp_width:] = rise, rise[::-1]
        mask *= ramp.reshape([-1 if a == axis else 1 for a in range(image.ndim)])
    mean = image.mean()
    return (image - mean) * mask + mean


def hann_window(image: np.ndarray) -> np.ndarray:
    """The image minus its mean, times a periodic Hann window along every axis.

    The DFT of a periodic Hann window has only three non-zero bins, so it removes the edge jump
    while smearing the spectrum by just one frequency bin: a band limit stays sharp.
    """
    window = np.ones(image.shape)
    for axis, n in enumerate(image.shape):
        ramp = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)
        window *= ramp.reshape([-1 if a == axis else 1 for a in range(image.ndim)])
    return (image - image.mean()) * window


def radial_frequency(shape: tuple[int, ...]) -> np.ndarray:
    """|k| in cycles per pixel for each element of an unshifted FFT of this shape (Nyquist 0.5)."""
    grids = np.meshgrid(*(np.fft.fftfreq(n) for n in shape), indexing="ij", sparse=True)
    return np.sqrt(sum(g**2 for g in grids))
