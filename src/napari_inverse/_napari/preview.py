"""Run a dock's verb on the part of a layer the canvas shows, for a first answer in seconds.

:func:`visible_crop` turns the camera's visible world rectangle into the layer's YX data
indices (through its scale and translate, clipped to the data, at least ``MIN_SIDE`` pixels a
side); :class:`Crop` also holds the current plane of a stack, cuts the data and says where the
result goes: on the source's grid, translated by the crop's origin.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from napari.layers import Image

from ..engine.validation import InvalidInput

MIN_SIDE = 64  # pixels a side: less says little about a deconvolution or a denoiser
SUFFIX = " (preview)"


def visible_crop(world_min: Sequence[float], world_max: Sequence[float],
                 scale: Sequence[float], translate: Sequence[float], shape: Sequence[int],
                 min_side: int = MIN_SIDE) -> tuple[slice, ...]:
    """The data slices (one per axis given) covering the world box ``world_min``–``world_max``
    of a layer with this ``scale``, ``translate`` and ``shape``: clipped to the data, grown
    about its centre to ``min_side`` (or the whole axis, when shorter)."""
    slices = []
    for low, high, step, offset, size in zip(world_min, world_max, scale, translate, shape):
        start = math.floor((low - offset) / step + 0.5)  # pixel i covers i ± ½ in napari
        stop = math.ceil((high - offset) / step + 0.5)
        start, stop = max(start, 0), min(stop, size)
        side = min(max(stop - start, min_side), size)
        middle = (start + stop) // 2 if stop > start else min(max(start, 0), size)
        start = min(max(middle - side // 2, 0), size - side)
        slices.append(slice(start, start + side))
    return tuple(slices)


@dataclass(frozen=True)
class Crop:
    """Where a preview reads: ``index`` into the layer's data (an integer per leading axis, the
    current plane; slices for Y and X)."""

    index: tuple

    def data(self, data) -> np.ndarray:
        """The 2-D YX crop of the layer's (full-resolution) data."""
        return np.asarray(data[self.index])

    def expand(self, image: np.ndarray) -> np.ndarray:
        """The verb's 2-D result with the layer's leading axes back, one plane each."""
        return image.reshape((1,) * (len(self.index) - 2) + image.shape)

    def translate(self, layer: Image) -> np.ndarray:
        """The result's translate: the source's, shifted by the crop origin times the scale."""
        origin = [part.start if isinstance(part, slice) else part for part in self.index]
        return np.asarray(layer.translate) + np.asarray(origin) * np.asarray(layer.scale)

    @staticmethod
    def axes(axes: Optional[str]) -> Optional[str]:
        """The crop's axes letters: the layer's last two (Y and X)."""
        return None if axes is None else axes[-2:]


def current_view_crop(viewer, layer: Image, data_shape: Sequence[int]) -> Crop:
    """The crop of ``layer`` that the 2-D canvas shows now, on the current plane of a stack.

    Raises InvalidInput for a 3-D view, a transposed view or an RGB layer.
    """
    dims = viewer.dims
    if dims.ndisplay != 2 or list(dims.displayed) != [dims.ndim - 2, dims.ndim - 1]:
        raise InvalidInput("preview works on the 2-D view of Y and X: switch the viewer to 2-D "
                           "with the default axis order, or press Run")
    if layer.rgb:
        raise InvalidInput(f"'{layer.name}' is an RGB layer: preview works on grayscale "
                           "layers; press Run instead")
    center = np.asarray(viewer.scene.camera.center[-2:], dtype=float)
    half = np.asarray(viewer.canvas.viewbox_size(viewer.layers), dtype=float) / (
        2 * viewer.scene.camera.zoom)
    yx = visible_crop(center - half, center + half, layer.scale[-2:], layer.translate[-2:],
                      data_shape[-2:])
    point = layer.world_to_data(dims.point)
    plane = tuple(int(min(max(round(value), 0), size - 1))
                  for value, size in zip(point[:-2], data_shape[:-2]))
    return Crop(plane + yx)
