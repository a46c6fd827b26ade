"""The depth-of-field rule on an in-focus probability: where a network says each pixel is sharpest,
and the slices within half the depth of field of that depth.

The in-focus network learns to mark slice k when |k − depth| ≤ DOF / 2Δz, so its probability
crosses the cut about half a depth of field either side of the depth: the midpoint of the two
crossings is the depth, to a fraction of a plane. Applying the rule to that depth makes every
pixel's in-focus run as long as the optics say, where the thresholded probability alone frays at
its ends (on held-out stacks +0.02–0.03 IoU; docs/benchmarks.md).
"""
from __future__ import annotations

import numpy as np

from .focus import DEFAULT_DEPTH_FRACTION, within_depth_of_field


def depth_from_probability(probability: np.ndarray, cut: float = 0.5) -> np.ndarray:
    """Sub-plane depth (Y, X) of an in-focus probability (Z, Y, X): the midpoint of its
    crossings of ``cut`` below and above the peak plane, linearly interpolated; a run above the
    cut that reaches an end of the stack ends half a plane beyond it. A pixel that never reaches
    the cut has its peak plane."""
    planes = probability.shape[0]
    z = np.arange(planes, dtype=np.int16)[:, None, None]  # (Z, Y, X) temporaries of 2 bytes
    peak = probability.argmax(axis=0)[None]
    under = probability < cut
    below = np.where(under & (z < peak), z, -1).max(axis=0)  # −1: the run reaches plane 0
    above = np.where(under & (z > peak), z, planes).min(axis=0)  # planes: it reaches the top
    lower = _crossing(probability, below, below + 1, cut)
    upper = _crossing(probability, above, above - 1, cut)
    depth = np.where(probability.max(axis=0) >= cut, 0.5 * (lower + upper), peak[0])
    return depth.astype(np.float32)


def _crossing(probability: np.ndarray, outside: np.ndarray, inside: np.ndarray, cut: float
              ) -> np.ndarray:
    """Where the probability falls through ``cut`` between plane ``inside`` (at or above it)
    and its neighbour ``outside`` (under it), linearly; half a plane beyond the stack's end where
    ``outside`` lies off it."""
    planes = probability.shape[0]
    off = (outside < 0) | (outside >= planes)

    def at(k: np.ndarray) -> np.ndarray:
        return np.take_along_axis(probability, np.clip(k, 0, planes - 1)[None], axis=0)[0]

    here, there = at(inside), at(outside)
    fraction = (here - cut) / np.maximum(here - there, 1e-6)
    return np.where(off, 0.5 * (outside + inside), inside + (outside - inside) * fraction)


def network_half_width(depth_of_field_planes: float) -> float:
    """How far from its depth (planes) a pixel is in focus by the rule the network's labels
    were made with: the default fraction of the depth of field, DOF / Δz planes."""
    return DEFAULT_DEPTH_FRACTION * depth_of_field_planes


def in_focus_from_probability(probability: np.ndarray, depth_of_field_planes: float,
                              threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mask (Z, Y, X), depth (Y, X), focused (Y, X)) of a stack whose planes lie
    ``depth_of_field_planes`` = DOF / Δz apart: slice k of a pixel is in focus when its
    probability reaches ``threshold`` in some slice (focused) and k lies within
    :func:`network_half_width` of the depth where the probability crosses 0.5."""
    focused = probability.max(axis=0) > threshold
    depth = depth_from_probability(probability)
    half_width = network_half_width(depth_of_field_planes)
    mask = np.stack([within_depth_of_field(k, depth, focused, half_width)
                     for k in range(probability.shape[0])])
    return mask, depth, focused
