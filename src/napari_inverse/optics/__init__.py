"""Optics: microscope parameters, point-spread functions, FFT convolution and field propagation
(numpy + torch only)."""
from .convolution import fft_convolve, psf_to_otf
from .microscope import Optics
from .propagation import propagate, propagate_array, transfer_function
from .psf import PSF_MODELS, gaussian_psf, psf_for_image, widefield_psf, widefield_radial_profile

__all__ = [
    "Optics",
    "PSF_MODELS",
    "fft_convolve",
    "gaussian_psf",
    "propagate",
    "propagate_array",
    "psf_for_image",
    "psf_to_otf",
    "transfer_function",
    "widefield_psf",
    "widefield_radial_profile",
]
