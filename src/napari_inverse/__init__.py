"""napari-inverse: computational-microscopy inverse problems for Python, the CLI and napari.

Importing this package loads neither Qt nor napari (nor torch, until a verb is used), so the same
verbs run on a cluster node without a display.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "deconvolve": "napari_inverse.methods",
    "denoise": "napari_inverse.methods",
    "fine_tune": "napari_inverse.methods",
    "export_model": "napari_inverse.methods.model_export",
    "import_package": "napari_inverse.zoo.package_import",
    "segment_focus": "napari_inverse.methods",
    "retrieve_phase": "napari_inverse.methods",
    "ChromaticFocus": "napari_inverse.optics",
    "super_resolve": "napari_inverse.methods",
    "FineTuneResult": "napari_inverse.methods",
    "PixelSizeWarning": "napari_inverse.methods",
    "PlaneSpacingWarning": "napari_inverse.methods",
    "Result": "napari_inverse.methods",
    "SmallerTilesWarning": "napari_inverse.zoo.inference",
    "Optics": "napari_inverse.optics",
    "CancelToken": "napari_inverse.engine",
    "Cancelled": "napari_inverse.engine",
    "InvalidInput": "napari_inverse.engine",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'napari_inverse' has no attribute {name!r}")
