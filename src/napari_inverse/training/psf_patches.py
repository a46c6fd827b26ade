"""Patches that carry their microscope's widefield PSF, for a physics term in training.

PI-DDPM (references.md §3) asks that the estimate, blurred by the known PSF, match the widefield
image; every pooled pair has its own microscope, so each patch's target comes with that PSF as
a second plane (``y[:, :, 0]`` the target, ``y[:, :, 1]`` the PSF centred on the patch). The
widefield PSF is symmetric under the sampler's flips and quarter turns, so it is not augmented.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..optics import consistency_psf
from ..simulate.pairs import MicroscopeRanges, super_resolution_optics
from .samplers import PatchSampler


def pool_psfs(first_seed: int, count: int, patch: int, ranges: MicroscopeRanges) -> np.ndarray:
    """(count, patch, patch): the widefield PSF of each pooled super-resolution pair, centred
    at ``patch // 2`` (as `numpy.fft.ifftshift` expects) and summing to 1."""
    psfs = np.zeros((count, patch, patch), np.float32)
    for k in range(count):
        psf = consistency_psf(super_resolution_optics(first_seed + k, ranges), (patch, patch))
        start = patch // 2 - psf.shape[0] // 2
        psfs[k, start:start + psf.shape[0], start:start + psf.shape[1]] = psf
    return psfs


class PSFPatchSampler(PatchSampler):
    """A `PatchSampler` over one stack of frames whose targets come with frame ``k``'s PSF
    ``psfs[k]`` (patch-sized) as a second plane."""

    def __init__(self, inputs, targets, patch_shape: Sequence[int], psfs: np.ndarray,
                 **settings) -> None:
        super().__init__([inputs], [targets], patch_shape, **settings)
        if psfs.shape != (self.n_frames, *self.patch):
            raise ValueError(f"one {self.patch} PSF per frame is needed, got {psfs.shape}")
        self.psfs = psfs

    def patch_at(self, frame, corner):
        x, y = super().patch_at(frame, corner)
        return x, np.stack([y, self.psfs[frame]])
