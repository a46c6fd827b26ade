"""An image file in memory: its pixels, what each axis means, and the physical pixel size."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class ImageFile:
    """An image read from disk, with the calibration every verb and napari layer needs.

    ``axes`` uses the letters T, C, Z, Y, X and S (RGB samples), one per dimension of ``data``,
    in the file's own order. ``pixel_size_nm`` holds the sampling of the spatial axes the file
    states ("X", "Y", and "Z" when known); it is empty when the file carries no calibration.
    ``metadata`` records where the values came from: "source", "format", "original_axes",
    "units", and "channel_names" when the file names its channels.
    """

    data: np.ndarray
    axes: str
    pixel_size_nm: dict[str, float] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.axes) != self.data.ndim:
            raise ValueError(
                f"axes {self.axes!r} has {len(self.axes)} letters "
                f"for data of shape {self.data.shape}"
            )
