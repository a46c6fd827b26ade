"""Training and validation data from a user's own arrays: checked, split, and read lazily.

A user hands over layers — numpy, memory-mapped or dask arrays; single images or stacks whose
leading axes (T, Z, C …) are frames for 2-D training — and often no validation data. Validation
is then held out of the data itself: the last frames of a stack or, for a single image, a stripe
along its bottom edge, so no validation patch overlaps a training patch. Every split is a slice (a
view for numpy and memmaps, a lazy graph for dask) and every check reads one frame at a time:
nothing is read whole, so a 1000×512×512 time-lapse trains in the memory of a few batches.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from ..engine.axes import SpatialLoop
from ..engine.validation import InvalidInput, check_finite, check_image
from .focal_sampler import FocalPatchSampler
from .samplers import Normalisation, PatchSampler

MIN_STRIPE_ROWS = 16  # a held-out stripe thinner than this scores mostly its borders
VALIDATION_PATCHES = 64


@dataclass
class Split:
    """Training arrays and held-out (input, target or None) pieces, all views of the user's data."""

    inputs: list
    targets: Optional[list]
    held_out: list[tuple]


def as_image_list(images, name: str) -> list:
    """One array or a list/tuple of arrays (several layers) as a list."""
    images = list(images) if isinstance(images, (list, tuple)) else [images]
    if not images:
        raise InvalidInput(f"no {name} were given; pass an array or a list of arrays")
    return images


def check_training_images(inputs: list, targets: Optional[list], axes: Optional[str],
                          name: str = "training image") -> None:
    """Refuse what cannot train: non-arrays, RGB, mismatched pairs, too small, NaN or Inf."""
    if targets is not None and len(targets) != len(inputs):
        raise InvalidInput(f"{len(inputs)} {name}s but {len(targets)} targets; give one target "
                           "per input")
    for k, image in enumerate(inputs):
        check_image(image, f"{name} {k}")
        SpatialLoop(image, axes, spatial_ndim=2)  # the axes, RGB and size checks every verb makes
        if targets is not None:
            check_image(targets[k], f"target {k}")
            if tuple(targets[k].shape) != tuple(image.shape):
                raise InvalidInput(f"{name} {k} has shape {tuple(image.shape)} but its target "
                                   f"{tuple(targets[k].shape)}; input and target must share a "
                                   "grid (register and crop them to the same size)")
        _check_finite_frames(image, f"{name} {k}")
        if targets is not None:
            _check_finite_frames(targets[k], f"target {k}")


def hold_out(inputs: list, targets: Optional[list], fraction: float, patch: int,
             stacks: bool = False) -> Split:
    """Split ``fraction`` of every array off for validation (none when ``fraction`` is 0).

    ``stacks``: the arrays are focal stacks, whose planes belong together: a bottom stripe of
    every plane validates instead of the last planes."""
    if not 0.0 <= fraction < 0.5:
        raise InvalidInput(f"validation_fraction must be at least 0 and below 0.5, got {fraction}")
    split = Split([], [] if targets is not None else None, [])
    for k, image in enumerate(inputs):
        target = targets[k] if targets is not None else None
        if fraction == 0:
            parts = [(image, target)]
        elif image.ndim > 2 and image.shape[0] > 1 and not stacks:
            parts = _split_frames(image, target, fraction)
        else:
            parts = _split_stripe(k, image, target, fraction, patch)
        split.inputs.append(parts[0][0])
        if split.targets is not None:
            split.targets.append(parts[0][1])
        split.held_out += parts[1:]
    return split


def validation_batches(pieces: Sequence[tuple], patch: int, batch_size: int,
                       n_patches: int = VALIDATION_PATCHES, planes: int = 0,
                       normalisation: Normalisation = Normalisation(),
                       depth_of_field_planes: float = 0.0) -> list:
    """Fixed, un-augmented batches drawn evenly from every validation piece.

    Each piece is cut into patches of ``patch`` pixels or its own size if that is smaller (a
    held-out stripe), so a thin stripe still validates. ``planes`` > 0: focal stacks with
    in-focus masks as targets, read as the in-focus network reads them (`focal_sampler`), with
    the stacks' ``depth_of_field_planes``.
    """
    batches = []
    per_piece = math.ceil(n_patches / max(len(pieces), 1))
    for image, target in pieces:
        shape = tuple(min(patch, s) for s in image.shape[-2:])
        if planes:
            sampler = FocalPatchSampler([image], [target], planes, min(shape),
                                        depth_of_field_planes, normalisation, augment=False)
        else:
            sampler = PatchSampler([image], [target] if target is not None else None, shape,
                                   normalisation, augment=False)
        batches += sampler.fixed_batches(per_piece, batch_size)
    return batches


def _split_frames(image, target, fraction: float) -> list[tuple]:
    """The last frames along the first axis are held out (at least one; at least one kept)."""
    n = image.shape[0]
    keep = n - min(n - 1, max(1, round(fraction * n)))
    return [(image[:keep], target[:keep] if target is not None else None),
            (image[keep:], target[keep:] if target is not None else None)]


def _split_stripe(k: int, image, target, fraction: float, patch: int) -> list[tuple]:
    """A single image keeps its top for training; a bottom stripe of its rows validates."""
    height = image.shape[-2]
    rows = max(MIN_STRIPE_ROWS, math.ceil(fraction * height))
    if height - rows < patch:
        raise InvalidInput(
            f"image {k} is {height} pixels high: too small for {patch}-pixel patches plus a "
            f"{rows}-row validation stripe; choose a smaller patch, give validation images, or "
            "set validation_fraction=0")
    top, bottom = (np.s_[..., : height - rows, :], np.s_[..., height - rows:, :])
    return [(image[top], target[top] if target is not None else None),
            (image[bottom], target[bottom] if target is not None else None)]


def _check_finite_frames(array, name: str) -> None:
    """NaN or Inf anywhere would poison training; floats are read one frame at a time to check."""
    if np.dtype(array.dtype).kind == "f":
        for index in np.ndindex(*array.shape[:-2]):
            check_finite(np.asarray(array[index]), name)

