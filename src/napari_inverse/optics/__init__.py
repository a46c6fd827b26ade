"""Optics: microscope parameters, point-spread functions, FFT convolution and field propagation
(numpy + torch only)."""
from .chromatic import ChromaticFocus
from .confocal import confocal_psf
from .convolution import fft_convolve, psf_to_otf
from .depth_of_field import depth_of_field_nm
from .microscope import Optics
from .propagation import propagate, propagate_array, transfer_function
from .psf import (
    PSF_MODELS, consistency_psf, gaussian_psf, psf_for_image, psf_shape, widefield_psf,
    widefield_radial_profile,
)
from .sim_target import sim_target_psf

__all__ = [
    "ChromaticFocus",
    "Optics",
    "PSF_MODELS",
    "confocal_psf",
    "consistency_psf",
    "depth_of_field_nm",
    "fft_convolve",
    "gaussian_psf",
    "propagate",
    "propagate_array",
    "psf_for_image",
    "psf_shape",
    "psf_to_otf",
    "sim_target_psf",
    "transfer_function",
    "widefield_psf",
    "widefield_radial_profile",
]
