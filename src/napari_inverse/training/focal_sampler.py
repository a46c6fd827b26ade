"""Training patches of focal stacks for the in-focus network, read as inference reads them.

A patch is one slice k of a stack with its neighbours (`zoo.focus_inference`: ends repeated, so
the end slices train as often as the others), scaled by the whole stack's percentiles, plus the
stack's constant depth-of-field channel; its target is slice k's weak in-focus mask.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from ..classical.focus import depth_of_field_planes
from ..engine.normalisation import normalise
from ..simulate.pairs import FocusRanges, focus_optics
from ..zoo.focus_inference import neighbouring_slices, with_depth_of_field
from .samplers import Normalisation, PatchSampler


class FocalPatchSampler(PatchSampler):
    """(planes + 1, patch, patch) inputs and (1, patch, patch) masks from (…, Z, Y, X) stacks.

    ``depth_of_field_planes``: DOF / Δz of each frame (one stack), in the sampler's frame order,
    or one value for every stack (one microscope).
    """

    def __init__(self, inputs: Sequence, targets: Sequence, planes: int, patch: int,
                 depth_of_field_planes: float | Sequence[float],
                 normalisation: Normalisation = Normalisation(), augment: bool = True,
                 seed: int = 0) -> None:
        super().__init__(inputs, targets, (1, patch, patch), normalisation, augment, seed,
                         mask_targets=True)
        self.planes = int(planes)
        self.depth_of_field = [float(d) for d in np.broadcast_to(depth_of_field_planes,
                                                                 (self.n_frames,))]

    def patch_at(self, frame: int, corner: Optional[Sequence[int]]
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Slice ``corner[0]`` (random when no corner) with its neighbours, flipped/rotated
        when random, and the depth-of-field channel last."""
        k, index = self._frames[frame]
        random_draw = corner is None
        if random_draw:
            corner = self._random_corner(frame, self.rng)
        plane, row, col = corner
        window = tuple(index) + (slice(None), slice(row, row + self.patch[1]),
                                 slice(col, col + self.patch[2]))
        stack = self.inputs[k][window]
        x = normalise(neighbouring_slices(stack, plane, self.planes), self.frame_bounds(frame))
        y = np.asarray(self.targets[k][window][plane:plane + 1], dtype=np.float32)
        if self.augment and random_draw:
            x, y = self._dihedral(x, y)
        return with_depth_of_field(x, self.depth_of_field[frame]), y


def pool_depths_of_field(first_seed: int, n_stacks: int, ranges: FocusRanges) -> list[float]:
    """DOF / Δz of each stack of a simulated pool (seeds ``first_seed`` …), from its optics."""
    return [depth_of_field_planes(focus_optics(seed, ranges))
            for seed in range(first_seed, first_seed + n_stacks)]
