"""A depth check from a real 3-D image: stardist's ``img3d.tif`` nuclei volume as the object.

The volume (31 × 61 × 57, nuclei of a real micrograph) less its background is taken as the
fluorophore density at 200 nm pixels and planes 500 nm apart and re-imaged through a wide
widefield PSF (NA 0.5, dry, 520 nm: depth of field ≈ 2.5 µm, five planes) with photon noise.
Each nucleus's known depth is the z centroid of its voxels in stardist's ``mask3d.tif``. The 51
nuclei lie in about four layers, so a pixel would see several; the object keeps only nuclei
whose footprints do not overlap (the largest first), leaving one known depth per pixel. The files
are not shipped (licence): pass the folder holding both (see docs/benchmarks.md to get them).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import tifffile
from scipy import ndimage, signal

from ..optics import Optics, widefield_psf

OPTICS = Optics(na=0.5, wavelength_nm=520, pixel_size_nm=200, refractive_index=1.0,
                z_step_nm=500)
PHOTONS = 500.0


def reimaged_volume(folder: Path, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(focal stack (Z, Y, X), known depth in planes (Y, X), NaN off the kept nuclei)."""
    volume = tifffile.imread(Path(folder) / "img3d.tif").astype(np.float32)
    labels = _separate_nuclei(tifffile.imread(Path(folder) / "mask3d.tif"))
    density = np.where(labels > 0, np.clip(volume - np.percentile(volume, 5), 0, None), 0)
    density /= density.max()
    psf = widefield_psf(OPTICS, (volume.shape[0] * 2 - 1, 33, 33), ndim=3, model="born_wolf")
    stack = np.clip(signal.fftconvolve(density, psf, mode="same"), 0, None)
    stack = np.random.default_rng(seed).poisson(PHOTONS * stack) / PHOTONS
    return stack.astype(np.float32), _known_depth(labels)


def _separate_nuclei(labels: np.ndarray) -> np.ndarray:
    """``labels`` with only nuclei whose (Y, X) footprints do not overlap, largest first."""
    ids, sizes = np.unique(labels[labels > 0], return_counts=True)
    taken = np.zeros(labels.shape[1:], dtype=bool)
    kept = np.zeros_like(labels)
    for label in ids[np.argsort(-sizes)]:
        footprint = (labels == label).any(axis=0)
        if not (footprint & taken).any():
            taken |= footprint
            kept[labels == label] = label
    return kept


def _known_depth(labels: np.ndarray) -> np.ndarray:
    """Per pixel, the z centroid (in planes) of the nucleus above or below it, NaN elsewhere."""
    ids = np.unique(labels[labels > 0])
    depth = np.full(labels.shape[1:], np.nan, dtype=np.float32)
    for label, centroid in zip(ids, ndimage.center_of_mass(labels > 0, labels, ids)):
        depth[(labels == label).any(axis=0)] = centroid[0]
    return depth
