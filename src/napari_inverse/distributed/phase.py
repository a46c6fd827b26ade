"""Phase retrieval chunk by chunk over time: every chunk is one whole stack (or RGB exposure).

The TIE, Teague and WOTF solvers are global Poisson (or Tikhonov) solves over Y and X: a pixel's
phase depends on the whole plane, so no halo makes a Y/X chunk equal to the whole. The chunks
are therefore the positions of the other axes (T, C), each read whole along Z (or the colours),
Y and X, and the result equals the verb's exactly.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..engine.arguments import check_arguments
from ..engine.validation import InvalidInput
from ..methods.phase import ARGUMENTS, phase_axes, retrieve_phase
from .chunked_method import ChunkedMethod, OutputGrid

_PASSED_ON = ("method", "optics", "condenser_na", "dz_nm", "chromatic", "regularization")


def prepare_phase(shape: tuple[int, ...], axes: str, options: dict[str, Any]) -> ChunkedMethod:
    """``retrieve_phase`` (``options`` as the verb takes them) chunked over T and C only."""
    options = check_arguments(ARGUMENTS, {"method": "tie", **options})
    if options.get("optics") is None:
        raise InvalidInput("retrieve_phase needs the wavelength and pixel size: give "
                           "optics=Optics(na=..., wavelength_nm=..., pixel_size_nm=...)")
    axes = phase_axes(axes, shape)
    plane_axis = "S" if "S" in axes else "Z"
    spatial_axes = "".join(a for a in axes if a in (plane_axis, "Y", "X"))
    optics = options.get("optics")
    passed_on = {k: options[k] for k in _PASSED_ON if options.get(k) is not None}
    grid = OutputGrid(drops=plane_axis)
    return ChunkedMethod(
        spatial_axes=spatial_axes, halo=(0,) * len(spatial_axes), whole=spatial_axes,
        restore=restore_phase, settings={"options": passed_on},
        outputs={"image": grid, "optical_path_nm": grid},
        metadata={"method": options["method"], "units": "rad", "result_axes": grid.axes(axes),
                  "optics": optics.to_dict() if optics is not None else None,
                  "parameters": {k: v for k, v in passed_on.items()
                                 if k in ("regularization", "condenser_na")}})


def restore_phase(block: np.ndarray, method: ChunkedMethod, statistic, device: str, cancel,
                  key: str) -> dict[str, np.ndarray]:
    """The verb on one whole stack (or RGB exposure)."""
    result = retrieve_phase(block, axes=method.spatial_axes, device=device, cancel=cancel,
                            **method.settings["options"])
    return {"image": result.image, "optical_path_nm": result.extras["optical_path_nm"]}
