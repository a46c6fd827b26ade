"""Optics: microscope parameters, point-spread functions and FFT convolution (numpy + torch only)."""
from .convolution import fft_convolve, psf_to_otf
from .microscope import Optics
from .psf import PSF_MODELS, gaussian_psf, psf_for_image, widefield_psf, widefield_radial_profile

__all__ = [
    "Optics",
    "PSF_MODELS",
    "fft_convolve",
    "gaussian_psf",
    "psf_for_image",
    "psf_to_otf",
    "widefield_psf",
    "widefield_radial_profile",
]
