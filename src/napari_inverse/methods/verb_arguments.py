"""The arguments the verbs share, declared once (`engine.arguments`): every verb that takes
``axes``, ``optics``, ``device`` or a model checks them alike, present verbs and coming ones."""
from __future__ import annotations

from ..engine.arguments import Choice, Flag, Instance, Text
from ..engine.precision import PRECISIONS
from ..optics import Optics

COMMON_ARGUMENTS = {
    "axes": Text(optional=True),
    "optics": Instance(Optics, optional=True,
                       hint="e.g. Optics(na=1.4, wavelength_nm=520, pixel_size_nm=65)"),
    "device": Text(),
}
"""Every verb on images: the axes string, the microscope, the device ("auto", "cpu", "cuda")."""

LEARNED_ARGUMENTS = {
    "model": Text(optional=True, path=True),
    "resample": Flag(),
    "precision": Choice(PRECISIONS),
}
"""Verbs that run a zoo model: which model, resampling to its pixel size, the number format."""
