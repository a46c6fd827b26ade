"""Engine: device choice, axes, input checks, normalisation, tiling, progress and cancel.

Everything a verb needs to run a numerical kernel safely on any image, without knowing the science.
"""
from .axes import SpatialLoop, normalise_axes
from .device import select_device
from .normalisation import percentile_normalise
from .progress import CancelToken, Cancelled, ProgressReporter
from .tiling import plan_tiles, predict_tiled
from .validation import InvalidInput, check_image

__all__ = [
    "CancelToken",
    "Cancelled",
    "InvalidInput",
    "ProgressReporter",
    "SpatialLoop",
    "check_image",
    "normalise_axes",
    "percentile_normalise",
    "plan_tiles",
    "predict_tiled",
    "select_device",
]
