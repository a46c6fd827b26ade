"""Deterministic, seeded (input, target) pairs for every task, with the microscope drawn at random.

One function per task turns a seed into a pair with known truth: the same seed gives the same
pair on every machine, so training recipes and benchmark sets are reproducible. Microscopes are
drawn from :class:`MicroscopeRanges` (NA 0.8–1.49, emission 450–650 nm, pixels from 0.9× to 1.2×
of Nyquist, photon budgets over a decade), so learned models see the range real systems cover.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Optional, Sequence

import numpy as np
from scipy import ndimage

from ..optics import Optics
from .camera import Camera
from .focal_stack import depth_of_field_nm, focal_stack
from .imaging import image_specimen
from .phase import defocus_stack
from .phase_objects import cell_phase, phase_texture
from .specimens import SPECIMENS, render_specimen

SR_PIXEL_SCALE = 0.5  # a super-resolution pair's grid: the drawn (widefield) pixel halved
FLUORESCENCE_STRUCTURES = ("microtubules", "actin", "ccp", "er", "nuclei", "beads")


@dataclass
class Pair:
    """``input`` and ``target`` share a grid (except super-resolution targets, said in metadata)."""

    input: np.ndarray
    target: np.ndarray
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class MicroscopeRanges:
    """Where random microscopes are drawn from (uniform; photons log-uniform)."""

    na: tuple[float, float] = (0.8, 1.49)
    wavelength_nm: tuple[float, float] = (450.0, 650.0)
    nyquist_fraction: tuple[float, float] = (0.9, 1.2)
    photons: tuple[float, float] = (100.0, 1000.0)
    background: tuple[float, float] = (2.0, 20.0)

    def draw(self, rng: np.random.Generator,
             z_step_nm: Optional[float] = None) -> tuple[Optics, float, float]:
        """A random (Optics, photons, background); oil (1.518) above NA 1.0, water (1.33) below."""
        na = rng.uniform(*self.na)
        wavelength = rng.uniform(*self.wavelength_nm)
        pixel = wavelength / (4 * na) * rng.uniform(*self.nyquist_fraction)
        index = 1.518 if na > 1.0 else 1.33
        photons = math.exp(rng.uniform(*np.log(self.photons)))
        optics = Optics(na=na, wavelength_nm=wavelength, pixel_size_nm=pixel,
                        refractive_index=index, z_step_nm=z_step_nm)
        return optics, photons, rng.uniform(*self.background)


def deconvolution_pair(
    seed: int, shape: Sequence[int] = (128, 128), structure: Optional[str] = None,
    optics: Optional[Optics] = None, photons: Optional[float] = None,
    ranges: MicroscopeRanges = MicroscopeRanges(), camera: Optional[Camera] = None,
) -> Pair:
    """Widefield image (photo-electrons, camera noise) → the object photons·x + b, same grid."""
    structure, optics, photons, background, specimen = _scene(
        seed, shape, structure, optics, photons, ranges)
    imaged = image_specimen(specimen, optics, "widefield", photons, background,
                            camera or _electron_counting_camera(), seed=seed + 1)
    return Pair(imaged.image, imaged.truth, _metadata("deconvolution", structure, optics, photons,
                                                        background, seed, psf=imaged.psf))


def denoising_pair(
    seed: int, shape: Sequence[int] = (128, 128), structure: Optional[str] = None,
    optics: Optional[Optics] = None, photons: Optional[float] = None,
    ranges: MicroscopeRanges = MicroscopeRanges(), camera: Optional[Camera] = None,
) -> Pair:
    """Noisy widefield image → the same image without noise (expected photo-electrons)."""
    structure, optics, photons, background, specimen = _scene(
        seed, shape, structure, optics, photons, ranges)
    clean = image_specimen(specimen, optics, "widefield", photons, background, None)
    noisy = image_specimen(specimen, optics, "widefield", photons, background,
                           camera or _electron_counting_camera(), seed=seed + 1)
    return Pair(noisy.image, clean.image, _metadata("denoising", structure, optics, photons,
                                                      background, seed))


def super_resolution_pair(
    seed: int, shape: Sequence[int] = (128, 128), structure: Optional[str] = None,
    optics: Optional[Optics] = None, photons: Optional[float] = None,
    ranges: MicroscopeRanges = MicroscopeRanges(), camera: Optional[Camera] = None,
    input_binning: int = 1,
) -> Pair:
    """Noisy widefield image → the noise-free SIM-like image (OTF twice as wide), same grid.

    The grid should sample the SIM target (pixel ≤ λ/8NA) for the target to be meaningful; the
    drawn pixel is halved for that reason when ``optics`` is not given. ``input_binning=2``
    records the widefield image with pixels twice as large (2×2 sums) and brings it back to the
    target's grid by cubic interpolation (per-pixel mean kept): a 2× super-resolution input.
    """
    structure, optics, photons, background, specimen = _scene(
        seed, shape, structure, optics, photons, ranges, pixel_scale=SR_PIXEL_SCALE)
    widefield = image_specimen(specimen, optics, "widefield", photons, background,
                               camera or _electron_counting_camera(), seed=seed + 1)
    target = image_specimen(specimen, optics, "sim", photons, background, None)
    image = widefield.image if input_binning == 1 else _binned_and_interpolated(
        widefield.image, input_binning)
    metadata = _metadata("super_resolution", structure, optics, photons, background, seed)
    return Pair(image, target.image, {**metadata, "input_binning": input_binning})


def phase_pair(
    seed: int, shape: Sequence[int] = (128, 128), dz_nm: Sequence[float] = (-1000.0, 0.0, 1000.0),
    wavelength_nm: float = 521.0, pixel_size_nm: float = 210.0, photons: Optional[float] = 1000.0,
    na: Optional[float] = None, condenser_na: Optional[float] = None,
) -> Pair:
    """Brightfield planes at ``dz_nm`` (Z, Y, X) → the phase in radians (cells or a texture),
    seen through an objective of ``na`` under a condenser of ``condenser_na`` (None: coherent)."""
    rng = np.random.default_rng(seed)
    if rng.random() < 0.7:
        phase = cell_phase(shape, pixel_size_nm, seed=seed, max_phase_rad=rng.uniform(0.5, 3.0))
    else:
        phase = phase_texture(shape, pixel_size_nm, seed=seed, max_phase_rad=rng.uniform(0.3, 1.5))
    stack = defocus_stack(phase, wavelength_nm=wavelength_nm, pixel_size_nm=pixel_size_nm,
                          dz_nm=dz_nm, photons=photons, seed=seed + 1, na=na,
                          condenser_na=condenser_na)
    return Pair(stack.intensity, stack.phase, {"task": "phase", "seed": seed, **stack.metadata})


@dataclass(frozen=True)
class FocusRanges:
    """Where random focal-stack microscopes are drawn from: dry objectives of NA ``na``, pixels
    ``nyquist_fraction`` × Nyquist, planes ``z_step_fraction`` × the depth of field apart."""

    na: tuple[float, float] = (0.3, 0.8)
    wavelength_nm: tuple[float, float] = (450.0, 650.0)
    nyquist_fraction: tuple[float, float] = (0.9, 1.3)
    z_step_fraction: tuple[float, float] = (0.35, 0.6)
    photons: tuple[float, float] = (100.0, 1000.0)
    background: tuple[float, float] = (0.0, 0.1)
    scenes: tuple[str, ...] = ("objects", "cells", "nuclei", "surface")

    def draw(self, rng: np.random.Generator) -> tuple[Optics, float, float, str]:
        """A random (Optics with z_step_nm, photons, relative background, scene)."""
        na = rng.uniform(*self.na)
        wavelength = rng.uniform(*self.wavelength_nm)
        index = 1.518 if na > 1.0 else 1.0
        pixel = wavelength / (4 * na) * rng.uniform(*self.nyquist_fraction)
        optics = Optics(na=na, wavelength_nm=wavelength, pixel_size_nm=pixel,
                        refractive_index=index)
        z_step = depth_of_field_nm(optics) * rng.uniform(*self.z_step_fraction)
        photons = math.exp(rng.uniform(*np.log(self.photons)))
        scene = self.scenes[rng.integers(len(self.scenes))]
        return (replace(optics, z_step_nm=z_step), photons, rng.uniform(*self.background),
                scene)


def focus_pair(seed: int, shape: Sequence[int] = (128, 128), optics: Optional[Optics] = None,
               n_planes: int = 12, photons: Optional[float] = None,
               ranges: FocusRanges = FocusRanges()) -> Pair:
    """Focal stack (Z, Y, X) → its true per-slice in-focus masks (Z, Y, X, bool); the true
    depth of every pixel (nm, NaN on background) is ``metadata["depth_nm"]``.

    The microscope, photons, haze and scene are drawn from ``ranges``; ``optics`` (with
    ``z_step_nm``) and ``photons`` fix theirs. Born–Wolf PSFs: scalar, adequate for dry lenses.
    """
    rng = np.random.default_rng(seed)
    drawn, drawn_photons, background, scene = ranges.draw(rng)  # as focus_optics draws it
    optics = optics or drawn
    photons = photons if photons is not None else drawn_photons
    stack = focal_stack(shape, optics, n_planes=n_planes, scene=scene, photons=photons,
                        seed=seed, n_objects=int(rng.integers(6, 16)), background=background,
                        psf_model="born_wolf" if optics.na <= 1.0 else "richards_wolf")
    return Pair(stack.stack, stack.in_focus, {"task": "focus", "depth_nm": stack.depth_nm,
                                              **stack.metadata})


def focus_optics(seed: int, ranges: FocusRanges = FocusRanges()) -> Optics:
    """The microscope ``focus_pair(seed, ranges=ranges)`` images through, without rendering:
    what the in-focus network's depth-of-field channel needs to know of a pooled stack."""
    return ranges.draw(np.random.default_rng(seed))[0]


def super_resolution_optics(seed: int, ranges: MicroscopeRanges = MicroscopeRanges()) -> Optics:
    """The microscope ``super_resolution_pair(seed, ranges=ranges)`` images through, without
    rendering anything: what a physics term in training needs to know of a pooled pair."""
    return _drawn(seed, None, None, None, ranges, SR_PIXEL_SCALE)[1]


def _scene(seed, shape, structure, optics, photons, ranges, pixel_scale: float = 1.0):
    """Fill in what the caller left open (structure, microscope, photons); render the specimen."""
    structure, optics, photons, background = _drawn(seed, structure, optics, photons, ranges,
                                                    pixel_scale)
    specimen = render_specimen(structure, shape, optics.pixel_size_nm, optics.z_step_nm, seed=seed)
    return structure, optics, photons, background, specimen


def _drawn(seed, structure, optics, photons, ranges, pixel_scale):
    """(structure, optics, photons, background) of a scene: the caller's, else drawn from seed."""
    rng = np.random.default_rng(seed)
    if structure is None:
        structure = FLUORESCENCE_STRUCTURES[rng.integers(len(FLUORESCENCE_STRUCTURES))]
    elif structure not in SPECIMENS:
        raise ValueError(f"unknown structure {structure!r}; choose one of {', '.join(SPECIMENS)}")
    drawn, drawn_photons, background = ranges.draw(rng)
    if optics is None:
        optics = Optics(na=drawn.na, wavelength_nm=drawn.wavelength_nm,
                        pixel_size_nm=drawn.pixel_size_nm * pixel_scale,
                        refractive_index=drawn.refractive_index)
    photons = photons if photons is not None else drawn_photons
    return structure, optics, photons, background


def _binned_and_interpolated(image: np.ndarray, binning: int) -> np.ndarray:
    """``image`` summed over binning² blocks, then interpolated back to its grid (÷ binning²)."""
    rows, cols = (n - n % binning for n in image.shape)
    binned = image[:rows, :cols].reshape(rows // binning, binning, cols // binning, binning)
    coarse = binned.sum(axis=(1, 3)) / binning**2
    factors = [n / c for n, c in zip(image.shape, coarse.shape)]
    return ndimage.zoom(coarse, factors, order=3, mode="reflect", grid_mode=True).astype(
        image.dtype, copy=False)


def _electron_counting_camera() -> Camera:
    """A camera that reports photo-electrons: gain 1, no offset, sCMOS read noise, no rounding."""
    return Camera(gain=1.0, read_noise_e=1.6, offset_adu=0.0, quantise=False)


def _metadata(task, structure, optics, photons, background, seed, psf=None) -> dict:
    metadata = {"task": task, "structure": structure, "optics": optics.to_dict(),
                "photons": photons, "background": background, "seed": seed, "units": "e-"}
    if psf is not None:
        metadata["psf_shape"] = tuple(psf.shape)
    return metadata
