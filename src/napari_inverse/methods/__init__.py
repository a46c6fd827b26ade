"""The verbs: one function per user-facing method, shared by Python, the CLI, napari and dask."""
from .deconvolve import deconvolve
from .result import Result

__all__ = ["Result", "deconvolve"]
