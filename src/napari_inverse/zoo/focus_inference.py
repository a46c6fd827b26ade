"""Run an in-focus network over a focal stack: each slice with its neighbours, slice by slice.

The network sees ``in_channels − 1`` neighbouring slices (edge slices repeated at the stack's
ends) scaled by the whole stack's percentiles, as its training patches were
(`training.focal_sampler`: one frame is one stack), and a last, constant channel holding the
depth of field in planes (DOF / Δz × :data:`DEPTH_OF_FIELD_SCALE`), which the weak labels it
learned from used; it returns the middle slice's in-focus probability.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from ..engine.normalisation import (HIGH_PERCENTILE, LOW_PERCENTILE, normalise, percentile_bounds,
                                    strided_subsample)
from ..engine.progress import ProgressReporter
from ..engine.validation import InvalidInput
from ..engine.tiling import predict_tiled
from .families import family
from .inference import HALO, OVERLAP, TILE_2D, balanced_tile
from .registry import LoadedModel

SUBSAMPLE = 1 << 18  # the patch sampler's default: the same bounds in training and here
DEPTH_OF_FIELD_SCALE = 0.1  # DOF / Δz of 1.7–2.9 planes (the training range) → 0.17–0.29


def stack_bounds(stack, card_normalisation: dict) -> tuple[float, float]:
    """The percentile bounds of a whole (Z, Y, X) stack, from a strided subsample."""
    values = np.asarray(strided_subsample(stack, SUBSAMPLE), dtype=np.float32)
    return percentile_bounds(values, card_normalisation.get("low", LOW_PERCENTILE),
                             card_normalisation.get("high", HIGH_PERCENTILE))


def neighbouring_slices(stack, k: int, planes: int) -> np.ndarray:
    """Slices k − planes//2 … k + planes//2 of ``stack`` (indices clamped to the stack)."""
    index = np.clip(np.arange(k - planes // 2, k + planes // 2 + 1), 0, stack.shape[0] - 1)
    return np.stack([np.asarray(stack[int(i)], dtype=np.float32) for i in index])


def input_planes(architecture: dict) -> int:
    """The neighbouring slices an in-focus network reads: its channels but the depth of field.
    A window centred on the slice is odd, so an odd channel count is a network made before the
    depth-of-field channel, which this code would misread: it is refused."""
    planes = int(architecture.get("in_channels", 2)) - 1
    if planes % 2 == 0:
        raise InvalidInput(
            f"this in-focus network reads {planes + 1} slices and no depth of field: it was made "
            "before focus networks read the depth of field in planes. Fine-tune a new one from "
            "focus-widefield (Train dock, family focus, or fine_tune(family='focus'))")
    return planes


def with_depth_of_field(slices: np.ndarray, depth_of_field_planes: float) -> np.ndarray:
    """(planes + 1, Y, X): normalised ``slices`` and the constant depth-of-field channel."""
    constant = np.full((1, *slices.shape[1:]), depth_of_field_planes * DEPTH_OF_FIELD_SCALE,
                       dtype=np.float32)
    return np.concatenate([np.asarray(slices, dtype=np.float32), constant])


def focus_probability(model: LoadedModel, stack, depth_of_field_planes: float,
                      reporter: Optional[ProgressReporter] = None,
                      dtype: torch.dtype = torch.float32) -> np.ndarray:
    """(Z, Y, X) float32 in-focus probability of every slice of a stack whose planes are
    ``depth_of_field_planes`` = DOF / Δz apart; one reporter step per slice."""
    planes = input_planes(model.card.architecture)
    bounds = stack_bounds(stack, model.card.normalisation)
    check = reporter.check_cancel if reporter is not None else (lambda: None)

    def process(block: np.ndarray) -> np.ndarray:
        check()
        x = torch.from_numpy(np.ascontiguousarray(block))[None].to(model.device)
        with torch.inference_mode():
            probability = model.predict(x, dtype)[0][0, 0].float().cpu().numpy()
        return np.broadcast_to(probability, block.shape)  # one value per pixel, every plane

    spatial = tuple(stack.shape[1:])
    tile = (planes + 1, *balanced_tile(spatial, TILE_2D))
    output = np.empty(tuple(stack.shape), dtype=np.float32)
    for k in range(stack.shape[0]):
        block = with_depth_of_field(normalise(neighbouring_slices(stack, k, planes), bounds),
                                    depth_of_field_planes)
        output[k] = predict_tiled(block, process, tile, (0, OVERLAP, OVERLAP), (0, HALO, HALO),
                                  reporter, align=family(model.card.family).multiple)[0]
        if reporter is not None:
            reporter.step(f"in-focus probability of slice {k + 1}/{stack.shape[0]}")
    return output
