"""Which verbs run chunk by chunk, and how each prepares its method: one entry per verb.

An entry maps ``(image shape, axes, the verb's options)`` to a
:class:`~.chunked_method.ChunkedMethod`. A new verb joins the chunked face by adding its entry.
"""
from __future__ import annotations

from typing import Any, Callable

from ..methods.deconvolve import ARGUMENTS as DECONVOLVE_ARGUMENTS
from ..methods.deconvolve import CLASSICAL_METHODS, LEARNED_METHODS
from ..methods.denoise import ARGUMENTS as DENOISE_ARGUMENTS
from ..methods.denoise import METHODS as DENOISE_MODELS
from .chunked_method import ChunkedMethod
from .deconvolution import prepare_classical
from .focus import prepare_focus
from .learned import prepare_learned
from .phase import prepare_phase
from .super_resolution import prepare_super_resolve

Preparation = Callable[[tuple[int, ...], str, dict[str, Any]], ChunkedMethod]


def _prepare_deconvolve(shape, axes, options) -> ChunkedMethod:
    options = {"method": "mrbcr", **options}
    if DECONVOLVE_ARGUMENTS["method"].check("method", options["method"]) in CLASSICAL_METHODS:
        return prepare_classical(shape, axes, options)
    return prepare_learned(DECONVOLVE_ARGUMENTS, "deconvolution", LEARNED_METHODS, options)


def _prepare_denoise(shape, axes, options) -> ChunkedMethod:
    return prepare_learned(DENOISE_ARGUMENTS, "denoising", DENOISE_MODELS,
                           {"method": "care", **options})


CHUNKED_VERBS: dict[str, Preparation] = {
    "deconvolve": _prepare_deconvolve,
    "denoise": _prepare_denoise,
    "retrieve_phase": prepare_phase,
    "segment_focus": prepare_focus,
    "super_resolve": prepare_super_resolve,
}
"""verb name → its preparation."""

