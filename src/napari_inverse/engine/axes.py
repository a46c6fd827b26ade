"""Axes strings: which dimensions are spatial, and looping a spatial kernel over the others.

Axes letters: T (time), C (channel), Z, Y, X; S marks RGB(A) samples, which fluorescence
methods refuse with a message. A verb works on the spatial axes and loops over the rest.
"""
from __future__ import annotations

import itertools
from typing import Iterator, Optional

import numpy as np

from .validation import InvalidInput, check_finite, check_spatial_size

AXIS_LETTERS = "TCZYXS"  # of every axes string here: verbs, files and layers alike
DEFAULT_AXES = {2: "YX", 3: "ZYX", 4: "TZYX", 5: "TCZYX"}  # guessed from the number of axes


def normalise_axes(axes: Optional[str], shape: tuple[int, ...]) -> str:
    """Validate an axes string against ``shape``; guess the common layout when it is None."""
    if axes is None:
        if len(shape) not in DEFAULT_AXES:
            raise InvalidInput(
                f"cannot guess the axes of a {len(shape)}-D array of shape {shape}; "
                "pass axes, e.g. 'TZYX'"
            )
        if len(shape) == 3 and shape[-1] in (3, 4) and min(shape[:2]) > 16:
            return "YXS"
        return DEFAULT_AXES[len(shape)]
    return checked_axes(axes, shape)


def checked_axes(axes: str, shape: tuple[int, ...]) -> str:
    """``axes`` in capitals, refused unless it names each axis of ``shape`` by a distinct letter
    of :data:`AXIS_LETTERS` and ends with YX (or YXS)."""
    axes = axes.upper()
    if len(axes) != len(shape):
        raise InvalidInput(f"axes {axes!r} has {len(axes)} letters but the image has shape {shape}")
    unknown = set(axes) - set(AXIS_LETTERS)
    if unknown or len(set(axes)) != len(axes):
        raise InvalidInput(
            f"axes {axes!r} must use each of the letters {AXIS_LETTERS} at most once"
        )
    if not axes.endswith("YX") and not axes.endswith("YXS"):
        raise InvalidInput(f"axes {axes!r} must end with YX (or YXS for RGB); reorder the array")
    return axes


def refuse_rgb(axes: str) -> None:
    if "S" in axes:
        raise InvalidInput(
            "this looks like an RGB image (axes with S); fluorescence methods need one channel: "
            "split the channels (napari: right-click the layer → Split RGB) or pass axes='CYX' "
            "after moving the colour axis first"
        )


class SpatialLoop:
    """Runs a kernel on every spatial block (YX or ZYX) of an array and assembles the output.

    The input (numpy or dask) is read one block at a time, cast to float32 and checked for
    NaN/Inf; the input array itself is never modified.
    """

    def __init__(self, image, axes: Optional[str], spatial_ndim: int) -> None:
        self.axes = normalise_axes(axes, tuple(image.shape))
        refuse_rgb(self.axes)
        if spatial_ndim == 3 and "Z" not in self.axes:
            raise InvalidInput(
                f"a 3-D method needs a Z axis, but the axes are {self.axes!r}; "
                "use a 2-D method or pass axes with Z"
            )
        self.spatial_axes = "ZYX" if spatial_ndim == 3 else "YX"
        self.image = image
        self._order = [self.axes.index(a) for a in self.axes if a not in self.spatial_axes]
        self._order += [self.axes.index(a) for a in self.spatial_axes]
        self.loop_shape = tuple(image.shape[i] for i in self._order[: -spatial_ndim])
        self.spatial_shape = tuple(image.shape[i] for i in self._order[-spatial_ndim:])
        check_spatial_size(self.spatial_shape, self.spatial_axes)
        in_memory = type(image) is np.ndarray
        self._check_whole = in_memory and image.dtype.kind in "fc"
        self._check_blocks = not in_memory or (image.dtype.kind in "fc"
                                               and image.dtype.itemsize > 4)

    @property
    def n_blocks(self) -> int:
        return int(np.prod(self.loop_shape, dtype=np.int64))

    def blocks(self) -> Iterator[tuple[tuple[int, ...], np.ndarray]]:
        """Yield (loop index, float32 spatial block) pairs, reading lazily."""
        for index in itertools.product(*(range(n) for n in self.loop_shape)):
            selection = self.selection(index)
            block = np.asarray(self.image[selection], dtype=np.float32)
            if self._check_blocks:
                check_finite(block)
            yield index, block

    def run(self, kernel, scale: int = 1):
        """Apply ``kernel(block) -> block`` to every block; return a float32 array like the input.

        A kernel may return a tuple of blocks (a restoration and its uncertainty, say); ``run``
        then returns a tuple with one array like the input per block. With ``scale`` the kernel
        returns blocks ``scale`` times larger along each spatial axis (up-sampling), and so does
        ``run``.
        """
        # An array in memory is checked whole before any work, so a NaN in its last frame does
        # not cost the frames before it; blocks are checked as read where that cannot be done
        # (dask, memmap) or where the cast to float32 can overflow to infinity (float64). Not in
        # __init__: a verb checks the job's memory first, and this check allocates a mask.
        if self._check_whole:
            check_finite(self.image)
        outputs = None
        for index, block in self.blocks():
            produced = kernel(block)
            parts = produced if isinstance(produced, tuple) else (produced,)
            if outputs is None:
                shape = tuple(n * scale if a in self.spatial_axes else n
                              for a, n in zip(self.axes, self.image.shape))
                outputs = tuple(np.empty(shape, dtype=np.float32) for _ in parts)
            for output, part in zip(outputs, parts):
                output[self.selection(index)] = part
        return outputs if isinstance(produced, tuple) else outputs[0]

    def selection(self, index: tuple[int, ...]) -> tuple:
        """The index of the input array that picks the spatial block at loop ``index``."""
        selection: list = [slice(None)] * len(self.axes)
        for axis, i in zip(self._order, index):
            selection[axis] = i
        return tuple(selection)
