"""Random patches of (condition, phase) pairs for the learned phase models.

Unlike `PatchSampler`, the condition has channels (planes, TIE phase) the target lacks, nothing
is rescaled (the condition is in contrast and radians already), and only the spatial axes are
flipped or turned: reversing the planes would reverse the defocus and flip the phase's sign.
"""
from __future__ import annotations

import numpy as np
import torch


class PhasePatchSampler:
    """Draws (batch, C, p, p) conditions and (batch, 1, p, p) targets from (n, C, Y, X) and
    (n, Y, X) arrays, with a random flip and quarter turn of the image plane."""

    def __init__(self, conditions, targets, patch: int, seed: int = 0,
                 augment: bool = True) -> None:
        if len(conditions) != len(targets) or conditions.shape[2:] != targets.shape[1:]:
            raise ValueError(f"conditions {conditions.shape} and targets {targets.shape} must "
                             "pair one (Y, X) phase with each (C, Y, X) condition")
        if min(targets.shape[1:]) < patch:
            raise ValueError(f"images {targets.shape[1:]} are smaller than the patch {patch}")
        self.conditions, self.targets, self.patch = conditions, targets, patch
        self.augment = augment
        self.rng = np.random.default_rng(seed)

    def sample(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self._batch(self.rng, batch_size, self.augment)

    def fixed_batches(self, n_patches: int, batch_size: int, seed: int = 12345):
        """Deterministic, un-augmented patches for validation: the same every time."""
        rng = np.random.default_rng(seed)
        return [self._batch(rng, min(batch_size, n_patches - start), False)
                for start in range(0, n_patches, batch_size)]

    def _batch(self, rng, size: int, augment: bool):
        xs, ys = [], []
        for _ in range(size):
            k = int(rng.integers(len(self.targets)))
            y0, x0 = (int(rng.integers(n - self.patch + 1)) for n in self.targets.shape[1:])
            window = (slice(y0, y0 + self.patch), slice(x0, x0 + self.patch))
            x = np.asarray(self.conditions[k][(slice(None), *window)], dtype=np.float32)
            y = np.asarray(self.targets[k][window], dtype=np.float32)[None]
            if augment:
                turns, flip = int(rng.integers(4)), bool(rng.integers(2))
                x, y = (np.rot90(np.flip(a, -1) if flip else a, turns, axes=(-2, -1))
                        for a in (x, y))
            xs.append(np.ascontiguousarray(x))
            ys.append(np.ascontiguousarray(y))
        return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))
