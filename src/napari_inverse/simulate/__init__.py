"""Simulation: synthetic fluorescent specimens and their images through the optics, with known truth."""
from .filaments import filaments
from .focal_stack import FocalStack, depth_of_field_nm, focal_stack
from .phase import ChromaticImage, DefocusStack, chromatic_rgb, defocus_stack
from .phase_objects import cell_phase, load_cell_phase, phase_texture
from .widefield import WidefieldPair, simulate_widefield

__all__ = [
    "ChromaticImage",
    "DefocusStack",
    "FocalStack",
    "WidefieldPair",
    "cell_phase",
    "chromatic_rgb",
    "defocus_stack",
    "depth_of_field_nm",
    "filaments",
    "focal_stack",
    "load_cell_phase",
    "phase_texture",
    "simulate_widefield",
]
