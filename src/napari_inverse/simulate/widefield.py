"""Widefield imaging of a specimen, I = Poisson(photons·(h∗x) + b) + read noise, with its truth."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..optics import Optics, fft_convolve, psf_for_image, psf_to_otf
from ..optics.padding import pad_for_fft


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

    ``photons`` is the expected count at the brightest point of the specimen before blurring.
    The specimen is mirror-extended before the FFT so the blur does not wrap around the edges.
    """
    rng = np.random.default_rng(seed)
    psf = psf_for_image(optics, specimen.shape)
    padded, crop = pad_for_fft(specimen.astype(np.float32), psf.shape)
    with torch.inference_mode():
        blurred = fft_convolve(torch.as_tensor(padded), psf_to_otf(psf, padded.shape, torch.device("cpu")))
    blurred = blurred.numpy()[crop].clip(0, None)
    expected = photons * blurred + background
    image = rng.poisson(expected).astype(np.float32) + rng.normal(0, read_noise, expected.shape)
    truth = photons * specimen + background
    return WidefieldPair(image=image.astype(np.float32), truth=truth.astype(np.float32), psf=psf)
