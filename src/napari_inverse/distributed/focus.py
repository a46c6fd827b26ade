"""Focus segmentation chunk by chunk over time: every chunk is one whole focal stack.

The weak labels gate each pixel by statistics of its whole stack (Otsu's threshold of the
all-in-focus image, the 99th percentile of the peak focus, holes filled however large), so a
Y/X chunk would be gated by its own statistics. The chunks are the positions of the other axes
(T, C), each read whole along Z, Y and X, and the result equals the verb's exactly.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..engine.arguments import check_arguments
from ..engine.validation import InvalidInput
from ..classical.focus import DEFAULT_MEASURE
from ..methods.segment_focus import ARGUMENTS, focus_parameters, segment_focus
from .chunked_method import ChunkedMethod, OutputGrid

_PASSED_ON = ("method", "measure", "model", "rule", "threshold")


def prepare_focus(shape: tuple[int, ...], axes: str, options: dict[str, Any]) -> ChunkedMethod:
    """``segment_focus`` (``options`` as the verb takes them) chunked over T and C only."""
    options = check_arguments(ARGUMENTS, {"method": "weak", **options})
    if "Z" not in axes:
        raise InvalidInput(f"segment_focus needs a focal stack (axes with Z, e.g. 'ZYX'), got "
                           f"axes {axes!r}")
    optics = options.get("optics")
    depth = "depth_nm" if optics is not None and optics.z_step_nm else "depth_planes"
    passed_on = {k: options[k] for k in _PASSED_ON if options.get(k) is not None}
    parameters = focus_parameters(options["method"], options.get("measure") or DEFAULT_MEASURE,
                                  options.get("rule"), options.get("threshold"), optics)
    flat = OutputGrid(drops="Z")
    outputs = {"image": OutputGrid(), "depth_index": flat, depth: flat, "all_in_focus": flat}
    if options["method"] == "cnn":
        outputs["probability"] = OutputGrid()
    return ChunkedMethod(
        spatial_axes="ZYX", halo=(0, 0, 0), whole="ZYX", restore=restore_focus,
        settings={"options": passed_on, "optics": optics}, outputs=outputs,
        metadata={"method": options["method"], "units": "in focus: 1",
                  "z_step_nm": optics.z_step_nm if optics is not None else None,
                  "optics": optics.to_dict() if optics is not None else None,
                  "measure": parameters["measure"], "parameters": parameters})


def restore_focus(block: np.ndarray, method: ChunkedMethod, statistic, device: str, cancel,
                  key: str) -> dict[str, np.ndarray]:
    """The verb on one whole focal stack; the mask as 0 and 1."""
    settings = method.settings
    result = segment_focus(block, axes="ZYX", optics=settings["optics"], device=device,
                           cancel=cancel, **settings["options"])
    return {"image": result.image.astype(np.float32),
            **{name: result.extras[name] for name in method.outputs if name != "image"}}
