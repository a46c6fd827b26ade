"""The verbs: one function per user-facing method, shared by Python, the CLI, napari and dask."""
from .deconvolve import deconvolve
from .denoise import denoise
from .fine_tune import FineTuneResult, fine_tune
from .phase import retrieve_phase
from .plane_spacing import PlaneSpacingWarning
from .result import Result
from .sampling import PixelSizeWarning
from .segment_focus import segment_focus
from .super_resolve import super_resolve

__all__ = ["FineTuneResult", "PixelSizeWarning", "PlaneSpacingWarning", "Result", "deconvolve",
           "denoise", "fine_tune", "retrieve_phase", "segment_focus", "super_resolve"]
