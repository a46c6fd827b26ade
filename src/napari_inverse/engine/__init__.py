"""Engine: device choice, axes, input and argument checks, memory budget, normalisation, tiling,
progress and cancel.

Everything a verb needs to run a numerical kernel safely on any image, without knowing the science.
Exports load lazily, so ``from napari_inverse.engine import InvalidInput`` (the file reader's
only need) does not import torch.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "CancelToken": "progress",
    "Cancelled": "progress",
    "InvalidInput": "validation",
    "ProgressReporter": "progress",
    "SpatialLoop": "axes",
    "check_image": "validation",
    "normalise_axes": "axes",
    "percentile_normalise": "normalisation",
    "plan_tiles": "tiling",
    "predict_tiled": "tiling",
    "select_device": "device",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
