"""Widefield pairs as the deconvolution tests, demo and benchmarks use them: ideal camera, e⁻."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..optics import Optics
from .camera import Camera
from .imaging import image_specimen


@dataclass
class WidefieldPair:
    """A simulated camera image and the truth in the same units (photo-electrons per pixel).

    ``truth`` is photons·x + background: what a perfect deconvolution of ``image`` would return.
    """

    image: np.ndarray
    truth: np.ndarray
    psf: np.ndarray


def simulate_widefield(
    specimen: np.ndarray,
    optics: Optics,
    photons: float = 200.0,
    background: float = 10.0,
    read_noise: float = 1.5,
    seed: int = 0,
) -> WidefieldPair:
    """Blur ``specimen`` (YX or ZYX, max 1) by the widefield PSF and add photon and read noise.

    The forward model of :func:`image_specimen` with a camera of gain 1 and no offset, so the
    image stays in photo-electrons (float32): I = Poisson(photons·(h∗x) + b) + N(0, read_noise²).
    """
    camera = Camera(gain=1.0, read_noise_e=read_noise, offset_adu=0.0, quantise=False)
    pair = image_specimen(specimen, optics, "widefield", photons, background, camera, seed)
    return WidefieldPair(image=pair.image, truth=pair.truth, psf=pair.psf)
