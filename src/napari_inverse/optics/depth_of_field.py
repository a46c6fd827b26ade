"""The depth of field of a microscope objective: how far along z an object stays sharp."""
from __future__ import annotations

from .microscope import Optics


def depth_of_field_nm(optics: Optics) -> float:
    """Total depth of field d = λ·n/NA² + n·e/NA (nm), e the pixel size in the object plane.

    The standard formula (Inoué; d = λn/NA² + n·e/(M·NA) with e the camera pixel and M the
    magnification): a wave-optical term plus the geometric depth over which the blur stays
    within one pixel. Uses the emission wavelength, as in fluorescence.
    """
    n, na = optics.refractive_index, optics.na
    return optics.wavelength_nm * n / na**2 + n * optics.pixel_size_nm / na
