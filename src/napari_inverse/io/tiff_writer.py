"""Write OME-TIFF with the physical pixel size, atomically, so no reader ever sees a half file."""
from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Optional

import numpy as np
import tifffile

from ..engine.axes import checked_axes
from ..engine.validation import InvalidInput

_NM_PER_CM = 1e7


def write_ome_tiff(
    path,
    data,
    axes: str,
    pixel_size_nm: dict[str, float],
    metadata: Optional[dict[str, Any]] = None,
) -> Path:
    """Write ``data`` (axes over TCZYXS, ending in YX or YXS) to ``path`` as OME-TIFF.

    ``pixel_size_nm`` gives the sampling of "X", "Y" and optionally "Z"; it is stored as OME
    PhysicalSize in µm and, for readers that ignore OME-XML, as resolution tags in pixels per cm.
    ``metadata`` "channel_names" become OME channel names; everything else is kept as JSON in
    the image description, so a result can be traced to the method that made it. An existing
    file is replaced only once the new one is complete.
    """
    path = Path(path)
    data = np.asarray(data)
    axes = checked_axes(axes, data.shape)
    sizes = _checked_sizes(pixel_size_nm, axes)
    metadata = dict(metadata or {})
    ome: dict[str, Any] = {"axes": axes}
    for axis, size in sizes.items():
        ome[f"PhysicalSize{axis}"] = size / 1000.0
        ome[f"PhysicalSize{axis}Unit"] = "µm"
    names = metadata.pop("channel_names", None)
    if names is not None and "C" in axes:
        ome["Channel"] = {"Name": [str(n) for n in names]}
    if metadata:
        ome["Description"] = json.dumps(metadata, default=str)
    options: dict[str, Any] = {"photometric": "rgb" if axes.endswith("S") else "minisblack"}
    if "X" in sizes and "Y" in sizes:
        options["resolution"] = (_NM_PER_CM / sizes["X"], _NM_PER_CM / sizes["Y"])
        options["resolutionunit"] = "CENTIMETER"
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        tifffile.imwrite(temporary, data, ome=True, metadata=ome, **options)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _checked_sizes(pixel_size_nm: dict[str, float], axes: str) -> dict[str, float]:
    sizes = {}
    for axis, value in (pixel_size_nm or {}).items():
        if axis not in "XYZ" or axis not in axes:
            raise InvalidInput(f"pixel size given for axis {axis!r}, which {axes!r} does not have")
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise InvalidInput(
                f"pixel size of {axis} must be a positive number of nm, got {value!r}"
            )
        sizes[axis] = float(value)
    return sizes
