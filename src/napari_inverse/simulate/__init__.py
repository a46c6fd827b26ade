"""Simulation: synthetic fluorescent specimens and their images through the optics, with
known truth."""
from .actin import actin
from .camera import Camera
from .filaments import filaments, microtubules
from .focal_stack import FocalStack, depth_of_field_nm, focal_stack
from .imaging import PSF_KINDS, ImagingPair, image_specimen, super_resolution_target
from .nuclei import nuclei
from .pairs import (
    FocusRanges, MicroscopeRanges, Pair, deconvolution_pair, denoising_pair, focus_pair, phase_pair,
    super_resolution_pair,
)
from .phase import ChromaticImage, DefocusStack, chromatic_rgb, defocus_stack
from .phase_objects import cell_phase, load_cell_phase, phase_texture
from .reticulum import er
from .specimens import SPECIMENS, render_specimen
from .vesicles import beads, ccp
from .widefield import WidefieldPair, simulate_widefield

__all__ = [
    "Camera",
    "ChromaticImage",
    "DefocusStack",
    "FocalStack",
    "ImagingPair",
    "FocusRanges",
    "MicroscopeRanges",
    "Pair",
    "PSF_KINDS",
    "SPECIMENS",
    "WidefieldPair",
    "actin",
    "beads",
    "ccp",
    "cell_phase",
    "deconvolution_pair",
    "denoising_pair",
    "chromatic_rgb",
    "defocus_stack",
    "depth_of_field_nm",
    "er",
    "filaments",
    "focal_stack",
    "focus_pair",
    "image_specimen",
    "load_cell_phase",
    "microtubules",
    "nuclei",
    "phase_pair",
    "phase_texture",
    "render_specimen",
    "simulate_widefield",
    "super_resolution_pair",
    "super_resolution_target",
]
