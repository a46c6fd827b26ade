"""Widefield focal stacks of 3-D scenes with the true in-focus mask of every slice, as paired data
for in-focus segmentation (Li, Kudryashev & Yakimovich, Sci. Rep. 2023; references.md §5).

Model (layered, 2.5-D): the scene is an emitting surface, one depth per pixel — textured objects
at random depths (cells: large ellipses of fine texture; nuclei: small round bodies of coarse
chromatin-like texture; "objects" mixes both; nearest the objective, i.e. smallest z, hides the
others where they overlap, and placement is random so objects touch and overlap) or one tilted,
curved textured sheet of tissue ("surface"). Hidden parts are removed first; each depth layer is
then blurred by the widefield PSF for its distance to the focal plane and the layers add. This is
the 3-D convolution of the visible surface with the 3-D PSF, so defocus blur depends on each pixel's
own depth and out-of-focus light from one object spreads over its neighbours as in a microscope.
Depths are kept on a grid of layers (at most half the plane spacing and a quarter of the depth
of field apart); the returned depth map is that grid, so the truth and the image agree exactly.
Intensities are relative (brightest texture 1); ``background`` adds a uniform out-of-focus haze
(never in focus) and ``photons`` Poisson noise of that many photo-electrons at intensity 1.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Optional, Sequence

import numpy as np
import torch

from ..optics import Optics, depth_of_field_nm, psf_to_otf, widefield_psf
from ..optics.padding import pad_for_fft
from .textures import smooth_texture

SCENES = ("objects", "cells", "nuclei", "surface")
_OBJECT_KINDS = {  # scene → (semi-axis range as a fraction of the image, texture correlation px)
    "cells": ((0.08, 0.2), 1.0),
    "nuclei": ((0.04, 0.08), 2.0),
}


@dataclass
class FocalStack:
    """A focal stack (Z, Y, X), its in-focus masks (Z, Y, X) and the depth of every pixel (nm).

    ``depth_nm`` is NaN where no object is (dark background, never in focus); plane k lies at
    ``z_planes_nm[k]``, in the same frame as the depths.
    """

    stack: np.ndarray
    in_focus: np.ndarray
    depth_nm: np.ndarray
    z_planes_nm: np.ndarray
    metadata: dict = field(default_factory=dict)


def focal_stack(
    shape: Sequence[int],
    optics: Optics,
    n_planes: int = 12,
    scene: str = "objects",
    n_objects: int = 8,
    photons: Optional[float] = None,
    psf_model: str = "richards_wolf",
    seed: int = 0,
    background: float = 0.0,
) -> FocalStack:
    """Image a random scene of ``shape`` (Y, X) in ``n_planes`` planes ``optics.z_step_nm`` apart.

    The scene spans the stack's depth (planes at 0, Δz, …). A pixel is in focus in plane k when
    its depth is within half the depth of field (:func:`depth_of_field_nm`) of that plane.
    """
    if optics.z_step_nm is None:
        raise ValueError("a focal stack needs the distance between planes: set Optics(z_step_nm=…)")
    if scene not in SCENES:
        raise ValueError(f"unknown scene {scene!r}; choose one of {', '.join(SCENES)}")
    if n_planes < 2 or n_objects < 1:
        raise ValueError(f"need at least 2 planes and 1 object, got {n_planes} and {n_objects}")
    if not background >= 0:
        raise ValueError(f"background must be ≥ 0 (relative to the brightest texture), got "
                         f"{background}")
    if photons is not None and photons <= 0:
        raise ValueError(f"photons must be positive (or None for no noise), got {photons}")
    rng = np.random.default_rng(seed)
    shape = tuple(int(s) for s in shape)
    dof = depth_of_field_nm(optics)
    per_plane = max(2, math.ceil(4 * optics.z_step_nm / dof))  # layers per plane spacing
    n_layers = (n_planes - 1) * per_plane + 1
    if scene == "surface":
        texture, layer = _surface(shape, n_layers, rng)
    else:
        kinds = tuple(_OBJECT_KINDS) if scene == "objects" else (scene,)
        texture, layer = _objects(shape, n_objects, n_layers, kinds, rng)
    stack = _image(texture, layer, optics, n_planes, per_plane, psf_model) + background
    layer_step = optics.z_step_nm / per_plane
    depth = np.where(layer >= 0, layer * layer_step, np.nan)
    z_planes = np.arange(n_planes) * optics.z_step_nm
    in_focus = np.abs(depth[None] - z_planes[:, None, None]) <= dof / 2  # NaN compares False
    if photons is not None:
        stack = rng.poisson(photons * np.clip(stack, 0, None)) / photons
    metadata = dict(optics=optics.to_dict(), scene=scene, depth_of_field_nm=dof,
                    layer_step_nm=layer_step, psf_model=psf_model, photons=photons, seed=seed,
                    background=background)
    return FocalStack(stack=stack.astype(np.float32), in_focus=in_focus,
                      depth_nm=depth.astype(np.float32), z_planes_nm=z_planes, metadata=metadata)


def _objects(shape, n_objects, n_layers, kinds, rng) -> tuple[np.ndarray, np.ndarray]:
    """Textured ellipses of random brightness at random depths; the shallowest wins on overlap.
    Each object is of a kind drawn from ``kinds`` (its size and texture grain)."""
    y, x = np.mgrid[: shape[0], : shape[1]].astype(np.float64)
    layer = np.full(shape, -1)
    brightness = np.zeros(shape)
    grains = {kind: _texture(shape, rng, _OBJECT_KINDS[kind][1]) for kind in kinds}
    texture = np.zeros(shape)
    for _ in range(n_objects):
        kind = kinds[rng.integers(len(kinds))]
        depth = rng.integers(0, n_layers)
        cy, cx = rng.uniform(0, shape[0]), rng.uniform(0, shape[1])
        a, b = rng.uniform(*_OBJECT_KINDS[kind][0], 2) * min(shape)
        angle = rng.uniform(0, np.pi)
        u = (x - cx) * np.cos(angle) + (y - cy) * np.sin(angle)
        v = (y - cy) * np.cos(angle) - (x - cx) * np.sin(angle)
        visible = ((u / a) ** 2 + (v / b) ** 2 <= 1) & ((layer < 0) | (layer > depth))
        layer[visible] = depth
        brightness[visible] = rng.uniform(0.5, 1.0)
        texture[visible] = grains[kind][visible]
    return brightness * texture, layer


def _surface(shape, n_layers, rng) -> tuple[np.ndarray, np.ndarray]:
    """One textured sheet, tilted in a random direction and bent, over 70 % of the stack's depth."""
    y, x = (np.mgrid[: shape[0], : shape[1]] / (np.array(shape)[:, None, None] - 1)) * 2 - 1
    angle = rng.uniform(0, 2 * np.pi)
    height = np.cos(angle) * x + np.sin(angle) * y + rng.uniform(-1, 1) * (x**2 + y**2)
    height = (height - height.min()) / max(np.ptp(height), 1e-12)
    layer = np.rint((0.15 + 0.7 * height) * (n_layers - 1)).astype(int)
    return _texture(shape, rng), layer


def _texture(shape, rng, correlation_px: float = 1.0) -> np.ndarray:
    """Texture in [0.2, 1] of ``correlation_px`` grain: detail that blur removes, which a focus
    measure needs."""
    return 0.2 + 0.8 * smooth_texture(shape, correlation_px, rng)


def _image(texture, layer, optics, n_planes, per_plane, psf_model) -> np.ndarray:
    """Σ over occupied layers of PSF(z_k − z_layer) ∗ layer, for every plane k: (Z, Y, X)."""
    reach = (n_planes - 1) * per_plane
    psf = _defocus_psfs(optics, reach, per_plane, _kernel_size(optics, n_planes, texture.shape),
                        psf_model)
    padded_texture, crop = pad_for_fft(texture, psf.shape[1:])
    padded_layer, _ = pad_for_fft(layer, psf.shape[1:])
    occupied = np.unique(layer[layer >= 0])
    sheets = np.stack([padded_texture * (padded_layer == j) for j in occupied])
    # Index of the PSF plane for plane k and each occupied layer: its distance, in layers, + reach.
    distances = np.arange(n_planes)[:, None] * per_plane - occupied[None, :] + reach
    with torch.inference_mode():
        spectra = torch.fft.rfft2(torch.as_tensor(sheets, dtype=torch.float32))
        otfs = psf_to_otf(psf, sheets.shape[1:], torch.device("cpu"))
        planes = torch.stack([(spectra * otfs[row]).sum(dim=0) for row in distances])
        stack = torch.fft.irfft2(planes, s=sheets.shape[1:]).numpy()[(slice(None), *crop)]
    return stack.clip(0, None)


@lru_cache(maxsize=4)
def _defocus_psfs(optics, reach, per_plane, lateral, psf_model) -> np.ndarray:
    """PSF planes at −reach…+reach layer spacings, each summing to 1 (all light reaches every
    plane). Cached: computing them dominates the cost, and a data set reuses one optics."""
    layer_optics = replace(optics, z_step_nm=optics.z_step_nm / per_plane)
    psf = widefield_psf(layer_optics, (2 * reach + 1, *lateral), ndim=3, model=psf_model)
    return psf / psf.sum(axis=(1, 2), keepdims=True)


def _kernel_size(optics, n_planes, shape) -> tuple[int, int]:
    """Odd lateral PSF size holding the widest defocus blur (|Δz|·tan θ) plus the Airy rings."""
    n, na = optics.refractive_index, optics.na
    spread = (n_planes - 1) * optics.z_step_nm * na / math.sqrt(n**2 - na**2)
    half = math.ceil((spread + 2.5 * optics.wavelength_nm / na) / optics.pixel_size_nm)
    return tuple(min(2 * half + 1, s if s % 2 else s - 1) for s in shape)
