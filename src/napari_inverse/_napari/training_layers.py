"""The Train dock's chosen layers as ``fine_tune``'s arguments, refused by name if they can't train.

``fine_tune`` checks arrays and calls them "training image 1"; the user chose layers from lists,
so the dock checks what only it can name first: one target per input (paired by position in the
lists), each on its input's grid, and one pixel size across the training layers.
"""
from __future__ import annotations

from typing import Optional, Sequence

from napari.layers import Image

from ..engine.validation import InvalidInput
from .layer_optics import layer_axes, optics_from_layer
from .verb_dock import full_resolution

PIXEL_SIZE_AGREEMENT = 0.01  # a model learns one sampling; 1 % is rounding in file metadata


def layer_arrays(inputs: Sequence[Image], targets: Optional[Sequence[Image]],
                 what: str = "") -> tuple[list, Optional[list]]:
    """The layers' full-resolution data: inputs, and targets paired with them by position.

    ``targets`` is None for a family that learns from inputs alone; ``what`` ("validation ")
    prefixes the names in messages.
    """
    if targets is None:
        return [full_resolution(layer) for layer in inputs], None
    if not targets:
        raise InvalidInput(f"choose a target layer for each {what}input: this family learns from "
                           "(input, target) pairs, or choose Noise2Void to learn from the noisy "
                           "images alone")
    if len(targets) != len(inputs):
        raise InvalidInput(f"{_count(inputs, what + 'input')} but "
                           f"{_count(targets, what + 'target')}: choose one target per input; "
                           "they pair in the order the lists show them")
    for source, target in zip(inputs, targets):
        if tuple(target.data.shape) != tuple(source.data.shape):
            raise InvalidInput(
                f"the {what}target '{target.name}' has shape {tuple(target.data.shape)} but its "
                f"input '{source.name}' has {tuple(source.data.shape)}; input and target must "
                "share a grid (register and crop them to the same size)")
    return ([full_resolution(layer) for layer in inputs],
            [full_resolution(layer) for layer in targets])


def training_pixel_size(layers: Sequence[Image]) -> Optional[float]:
    """The pixel size in nm the model learns: the first training layer's that knows one.

    Refused when two training layers differ by more than 1 %: a model trained on a mix of
    samplings fits none of them, and its card could state only one.
    """
    sizes = [(layer.name, optics_from_layer(layer).get("pixel_size_nm")) for layer in layers]
    known = [(name, size) for name, size in sizes if size is not None]
    if not known:
        return None
    first_name, first = known[0]
    for name, size in known[1:]:
        if abs(size - first) > PIXEL_SIZE_AGREEMENT * first:
            raise InvalidInput(
                f"the training layers differ in pixel size: '{first_name}' has {first:.4g} nm, "
                f"'{name}' {size:.4g} nm; a model learns one sampling, so train on layers of one "
                "pixel size (or resample them to one first)")
    return first


def common_axes(layers: Sequence[Image]) -> Optional[str]:
    """The layers' axes letters when all agree, else None (``fine_tune`` then reads each
    array's layout from its shape, so a 2-D image and a time-lapse can train together)."""
    axes = {layer_axes(layer) for layer in layers}
    return axes.pop() if len(axes) == 1 else None


def _count(layers: Sequence[Image], what: str) -> str:
    names = ", ".join(f"'{layer.name}'" for layer in layers)
    return f"{len(layers)} {what}{'s' if len(layers) != 1 else ''} ({names})"
