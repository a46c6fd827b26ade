"""An image file: its pixels (in memory, or lazy), what each axis means, and the pixel size."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class ImageFile:
    """An image read from disk, with the calibration every verb and napari layer needs.

    ``data`` is a numpy array, or a dask array read plane by plane for a large file.
    ``axes`` uses the letters T, C, Z, Y, X and S (RGB samples), one per dimension of ``data``,
    in the file's own order. ``pixel_size_nm`` holds the sampling of the spatial axes the file
    states ("X", "Y", and "Z" when known); it is empty when the file carries no calibration.
    ``metadata`` records where the values came from: "source", "format", "original_axes",
    "units", and "channel_names" when the file names its channels.
    """

    data: np.ndarray  # or dask.array.Array
    axes: str
    pixel_size_nm: dict[str, float] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.axes) != self.data.ndim:
            raise ValueError(
                f"axes {self.axes!r} has {len(self.axes)} letters "
                f"for data of shape {self.data.shape}"
            )
