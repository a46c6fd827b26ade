"""Random training patches read lazily from images of any size (numpy, memmap or dask).

Nothing is materialised up front: each draw reads one patch-sized block from one frame, so a
1000×512×512 time-lapse trains in the memory of a batch. Every frame is scaled by its own input
statistics (the card's percentiles or mean/std, computed on first use and cached) with the
engine's normalisation, the one the model meets at inference; targets use the input's scaling,
so a prediction maps back to the input's physical units with the same two numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np
import torch

from ..engine.normalisation import PERCENTILE, normalise, spec_bounds, strided_subsample


@dataclass(frozen=True)
class Normalisation:
    spec: dict = field(default_factory=lambda: dict(PERCENTILE))  # as a model card names it
    max_samples: int = 1 << 18  # statistics from a strided subsample of large frames


class PatchSampler:
    """Draws ``(input, target)`` batches of shape (batch, 1, *patch) from frames of arrays.

    ``inputs`` (and ``targets``, same shapes, or None for self-supervised training) are arrays
    whose last ``ndim`` axes are spatial; any leading axes (time, samples) index frames.
    ``mask_targets``: the targets are 0/1 masks (segmentation), read without scaling.
    """

    def __init__(self, inputs: Sequence, targets: Optional[Sequence], patch_shape: Sequence[int],
                 normalisation: Normalisation = Normalisation(), augment: bool = True,
                 seed: int = 0, mask_targets: bool = False) -> None:
        self.inputs = list(inputs)
        self.targets = list(targets) if targets is not None else None
        self.patch = tuple(int(p) for p in patch_shape)
        self.ndim = len(self.patch)
        self.normalisation, self.augment = normalisation, augment
        self.mask_targets = mask_targets  # 0/1 masks pass unscaled
        self.rng = np.random.default_rng(seed)
        if not self.inputs:
            raise ValueError("no training images were given")
        if self.targets is not None and len(self.targets) != len(self.inputs):
            raise ValueError(f"{len(self.inputs)} input images but {len(self.targets)} targets; "
                             "give one target per input")
        self._frames = []  # (array index, leading index) for every frame
        for k, image in enumerate(self.inputs):
            self._check(k, image)
            leading = tuple(image.shape[: image.ndim - self.ndim])
            self._frames += [(k, index) for index in np.ndindex(*leading)]
        self._bounds: dict[tuple, tuple[float, float]] = {}

    def _check(self, k: int, image) -> None:
        if image.ndim < self.ndim:
            raise ValueError(f"image {k} has {image.ndim} axes; {self.ndim}-D patches need at "
                             f"least {self.ndim}")
        spatial = tuple(image.shape[-self.ndim:])
        if any(s < p for s, p in zip(spatial, self.patch)):
            raise ValueError(f"image {k} ({'×'.join(map(str, spatial))}) is smaller than the "
                             f"patch ({'×'.join(map(str, self.patch))}); choose a smaller patch")
        if self.targets is not None and tuple(self.targets[k].shape) != tuple(image.shape):
            raise ValueError(f"input {k} has shape {tuple(image.shape)} but its target "
                             f"{tuple(self.targets[k].shape)}; pairs must share a grid")

    @property
    def n_frames(self) -> int:
        return len(self._frames)

    def frame_bounds(self, frame: int) -> tuple[float, float]:
        """One frame's :func:`~napari_inverse.engine.normalisation.spec_bounds`, computed once,
        on float32 values as the verbs' blocks are (from a subsample of a large frame)."""
        if frame not in self._bounds:
            k, index = self._frames[frame]
            image = self.inputs[k][index] if index else self.inputs[k]
            values = np.asarray(strided_subsample(image, self.normalisation.max_samples),
                                dtype=np.float32)
            if not np.all(np.isfinite(values)):
                raise ValueError(f"training image {k} contains NaN or infinite values; clean or "
                                 "crop it before training")
            self._bounds[frame] = spec_bounds(values, self.normalisation.spec)
        return self._bounds[frame]

    def sample(self, batch_size: int) -> tuple[torch.Tensor, Optional[torch.Tensor]]:
        xs, ys = [], []
        for _ in range(batch_size):
            x, y = self.patch_at(int(self.rng.integers(self.n_frames)), None)
            xs.append(x)
            ys.append(y)
        return _as_batch(xs, ys)

    def patch_at(self, frame: int, corner: Optional[Sequence[int]]
                 ) -> tuple[np.ndarray, Optional[np.ndarray]]:
        """One normalised patch of ``frame``; a random one (flipped/rotated) when no corner."""
        k, index = self._frames[frame]
        random_draw = corner is None
        if random_draw:
            corner = self._random_corner(frame, self.rng)
        window = tuple(index) + tuple(slice(c, c + p) for c, p in zip(corner, self.patch))
        bounds = self.frame_bounds(frame)
        x = normalise(self.inputs[k][window], bounds)
        y = None
        if self.targets is not None:
            y = (np.asarray(self.targets[k][window], dtype=np.float32) if self.mask_targets
                 else normalise(self.targets[k][window], bounds))
        if self.augment and random_draw:
            x, y = self._dihedral(x, y)
        return x, y

    def _random_corner(self, frame: int, rng: np.random.Generator) -> list[int]:
        k, _ = self._frames[frame]
        spatial = self.inputs[k].shape[-self.ndim:]
        return [int(rng.integers(s - p + 1)) for s, p in zip(spatial, self.patch)]

    def _dihedral(self, x, y):
        """A random flip per axis and, for square YX patches, a random quarter turn."""
        for axis in range(self.ndim):
            if self.rng.random() < 0.5:
                x = np.flip(x, axis)
                y = np.flip(y, axis) if y is not None else None
        if self.patch[-1] == self.patch[-2]:
            turns = int(self.rng.integers(4))
            x = np.rot90(x, turns, axes=(-2, -1))
            y = np.rot90(y, turns, axes=(-2, -1)) if y is not None else None
        return np.ascontiguousarray(x), (np.ascontiguousarray(y) if y is not None else None)

    def fixed_batches(self, n_patches: int, batch_size: int, seed: int = 12345):
        """Deterministic, un-augmented patches for validation: the same every time."""
        rng = np.random.default_rng(seed)
        batches = []
        for start in range(0, n_patches, batch_size):
            xs, ys = [], []
            for _ in range(min(batch_size, n_patches - start)):
                frame = int(rng.integers(self.n_frames))
                x, y = self.patch_at(frame, self._random_corner(frame, rng))
                xs.append(x)
                ys.append(y)
            batches.append(_as_batch(xs, ys))
        return batches


def _as_batch(xs: list, ys: list) -> tuple[torch.Tensor, Optional[torch.Tensor]]:
    """(batch, 1, *patch) tensors from lists of patches; no target tensor without targets."""
    x = torch.from_numpy(np.stack(xs)[:, None])
    return x, (torch.from_numpy(np.stack(ys)[:, None]) if ys[0] is not None else None)
