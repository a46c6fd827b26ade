"""Brightfield images of phase specimens: defocus stacks, and the single-exposure RGB image whose
colours are defocused differently by the objective's axial chromatic aberration (della Maggiora
et al., AAAI 2025; references.md §4), each with the phase truth.

Model: a thin specimen ``amplitude·exp(iφ)`` under Köhler illumination; the camera records
``|P_dz(field)|²`` where P is angular-spectrum propagation in the medium (``optics.propagation``),
cut by the objective's pupil |f| ≤ NA/λ when ``na`` is given. With ``condenser_na`` the source is
a uniform disc of mutually incoherent points |u| ≤ NA_c/λ (Abbe's method): each tilts the
illumination and their intensities add; None is a point source (condenser stopped down, coherent).
Intensities are relative
to the unobstructed illumination (1 = background); ``photons`` adds Poisson noise of that many
expected photo-electrons per pixel at intensity 1 and divides them back out. The field is
mirror-padded by the widest defocus blur before the periodic FFT so no edge wraps around.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np
import torch

from ..optics.padding import pad_for_fft
from ..optics.propagation import transfer_function


@dataclass
class DefocusStack:
    """Intensity planes (Z, Y, X) at distances ``dz_nm`` from the specimen, and the phase truth."""

    intensity: np.ndarray
    phase: np.ndarray
    dz_nm: np.ndarray
    metadata: dict = field(default_factory=dict)


@dataclass
class ChromaticImage:
    """One RGB exposure (Y, X, 3) and the phase truth in radians at the green centre wavelength."""

    rgb: np.ndarray
    phase: np.ndarray
    metadata: dict = field(default_factory=dict)


def defocus_stack(
    phase: np.ndarray,
    amplitude: Optional[np.ndarray] = None,
    wavelength_nm: float = 521.0,
    pixel_size_nm: float = 210.0,
    dz_nm: Sequence[float] = (-1000.0, 0.0, 1000.0),
    na: Optional[float] = None,
    n_medium: float = 1.0,
    photons: Optional[float] = None,
    seed: int = 0,
    condenser_na: Optional[float] = None,
) -> DefocusStack:
    """Monochromatic brightfield planes of the specimen ``amplitude·exp(i·phase)`` (phase in rad).

    Defaults follow the reference two-shot simulator (references.md §2.7): λ = 521 nm, pixel
    210 nm, planes at ∓1 µm (plus the focus), no pupil (``na=None``). Use ``n_medium=1.33`` for
    cells in water seen through a water-immersion or dry objective focused in the sample.
    """
    phase, amplitude = _specimen(phase, amplitude)
    distances = np.atleast_1d(np.asarray(dz_nm, dtype=np.float64))
    intensity = _intensity(phase, amplitude, wavelength_nm, distances, pixel_size_nm, na, n_medium,
                           condenser_na)
    metadata = dict(wavelength_nm=wavelength_nm, pixel_size_nm=pixel_size_nm, na=na,
                    condenser_na=condenser_na, n_medium=n_medium, photons=photons, seed=seed)
    return DefocusStack(
        intensity=_noisy(intensity, photons, seed), phase=phase.astype(np.float32),
        dz_nm=distances, metadata=metadata,
    )


def chromatic_rgb(
    phase: np.ndarray,
    amplitude: Optional[np.ndarray] = None,
    pixel_size_nm: float = 210.0,
    centre_wavelengths_nm: Sequence[float] = (610.0, 540.0, 460.0),
    focal_shifts_nm: Sequence[float] = (1000.0, 0.0, -1000.0),
    defocus_nm: float = 0.0,
    bandwidth_nm: float = 30.0,
    n_spectral: int = 9,
    na: Optional[float] = None,
    n_medium: float = 1.0,
    photons: Optional[float] = None,
    seed: int = 0,
    condenser_na: Optional[float] = None,
) -> ChromaticImage:
    """A colour camera's single brightfield exposure under white light (R, G, B channels).

    - ``phase`` is the specimen's phase at the green centre; a non-dispersive optical path
      gives φ(λ) = phase·λ_G/λ at other wavelengths.
    - Axial chromatic aberration: wavelength λ is in focus ``shift(λ)`` downstream of the
      specimen, ``shift`` being the parabola through (centre, focal shift) of the three channels
      (an achromat's focal-shift curve is close to a parabola). The stage sits ``defocus_nm``
      from the green focus, so λ sees defocus ``defocus_nm + shift(λ)``.
    - Each channel is the incoherent, Gaussian-weighted mean over ``n_spectral`` wavelengths
      within ±2σ of its centre, σ = ``bandwidth_nm`` (as the reference simulator's weighting).

    Defaults are assumptions: centres near the peaks of Bayer filters; ±1 µm focal shifts, the
    magnitude of defocus the reference simulator evaluates with (its training draws 0.01–3 µm
    per channel) — the sign and size for a real objective must be calibrated; σ = 30 nm (the
    reference draws 10–100 nm); pixel 210 nm and no pupil as the reference simulator.
    """
    phase, amplitude = _specimen(phase, amplitude)
    centres = np.asarray(centre_wavelengths_nm, dtype=np.float64)
    shifts = np.asarray(focal_shifts_nm, dtype=np.float64)
    if centres.shape != (3,) or shifts.shape != (3,) or len(set(centres)) != 3:
        raise ValueError("give three distinct centre wavelengths and three focal shifts (R, G, B)")
    focal_shift = np.poly1d(np.polyfit(centres, shifts, 2))
    rgb = np.zeros((*phase.shape, 3))
    for channel, centre in enumerate(centres):
        for wavelength, weight in _spectrum(centre, bandwidth_nm, n_spectral):
            distance = np.array([defocus_nm + focal_shift(wavelength)])
            rgb[..., channel] += weight * _intensity(
                phase * centres[1] / wavelength, amplitude, wavelength, distance,
                pixel_size_nm, na, n_medium, condenser_na,
            )[0]
    metadata = dict(
        centre_wavelengths_nm=centres.tolist(), focal_shifts_nm=shifts.tolist(),
        defocus_nm=defocus_nm, bandwidth_nm=bandwidth_nm, n_spectral=n_spectral,
        pixel_size_nm=pixel_size_nm, na=na, condenser_na=condenser_na, n_medium=n_medium,
        photons=photons, seed=seed, phase_wavelength_nm=float(centres[1]),
    )
    return ChromaticImage(
        rgb=_noisy(rgb, photons, seed), phase=phase.astype(np.float32), metadata=metadata
    )


def _spectrum(centre: float, sigma: float, count: int) -> list[tuple[float, float]]:
    """``count`` wavelengths across centre ± 2σ with normalised Gaussian weights."""
    if count < 1 or sigma < 0:
        raise ValueError(f"need n_spectral ≥ 1 and bandwidth_nm ≥ 0, got {count} and {sigma}")
    if count == 1 or sigma == 0:
        return [(float(centre), 1.0)]
    wavelengths = np.linspace(centre - 2 * sigma, centre + 2 * sigma, count)
    weights = np.exp(-0.5 * ((wavelengths - centre) / sigma) ** 2)
    return list(zip(wavelengths.tolist(), (weights / weights.sum()).tolist()))


def _intensity(phase, amplitude, wavelength, distances, pixel_size_nm, na, n_medium,
               condenser_na=None) -> np.ndarray:
    """Mean |P_dz(tilted illumination·specimen)|² over the condenser's source points at each of
    ``distances``: (Z, Y, X), on a mirror-padded grid; 1 is the unobstructed background."""
    margin = _blur_margin(distances, wavelength, pixel_size_nm, na, n_medium, phase.shape)
    padded_phase, crop = pad_for_fft(phase, (2 * margin + 1,) * 2)
    padded_amplitude, _ = pad_for_fft(amplitude, (2 * margin + 1,) * 2)
    # complex64: its 1e-7 relative precision is far below any photon noise, at half the time
    field = torch.polar(torch.as_tensor(padded_amplitude, dtype=torch.float32),
                        torch.as_tensor(padded_phase, dtype=torch.float32))
    h = transfer_function(field.shape, pixel_size_nm, wavelength, distances.tolist(), n_medium,
                          na).to(torch.complex64)
    spectrum = torch.fft.fft2(field)
    total, lit = 0.0, 0
    with torch.inference_mode():
        for shift in _source_shifts(field.shape, pixel_size_nm, wavelength, condenser_na, na):
            tilted = torch.roll(spectrum, shift, dims=(-2, -1))  # the specimen seen at angle u
            if h[0, shift[0], shift[1]].abs() == 0:
                continue  # a source point outside the pupil lights the dark field only
            total = total + torch.fft.ifft2(tilted * h).abs() ** 2
            lit += 1
    return (total / lit).numpy()[(slice(None), *crop)]


MAX_SOURCE_POINTS = 61
"""Source points a condenser disc is sampled with (a hexagonal-ish square lattice in the disc)."""


def _source_shifts(shape, pixel_size_nm, wavelength, condenser_na, na) -> list[tuple[int, int]]:
    """Frequency-grid offsets (rows, columns) of the condenser's source points: grid-aligned so
    each tilt is periodic on the FFT grid; as evenly spread over the disc as the grid allows."""
    if not condenser_na:
        return [(0, 0)]
    radius = [condenser_na / wavelength * n * pixel_size_nm for n in shape[-2:]]  # in grid steps
    step = max(1.0, math.sqrt(math.pi * radius[0] * radius[1] / MAX_SOURCE_POINTS))
    reach = [int(r // step) for r in radius]
    shifts = [(round(i * step), round(j * step))
              for i in range(-reach[0], reach[0] + 1) for j in range(-reach[1], reach[1] + 1)
              if (i * step / radius[0]) ** 2 + (j * step / radius[1]) ** 2 <= 1 + 1e-9]
    return shifts or [(0, 0)]


def _blur_margin(distances, wavelength, pixel_size_nm, na, n_medium, shape) -> int:
    """Mirror padding on each side: the reach |dz|·tan θ_max of the widest defocus, and at least
    half the field, because the defocus kernel's faint ringing reaches much further: with a
    margin of the reach alone it wrapped round and left a bowl of 17 % of a cell's phase
    standard deviation in the TIE (0.4 % with half the field; issue 23)."""
    sine = min(na or n_medium, wavelength / (2 * pixel_size_nm), 0.95 * n_medium) / n_medium
    reach = np.abs(distances).max() * sine / math.sqrt(1 - sine**2) / pixel_size_nm
    return int(max(math.ceil(reach) + 4, max(shape) // 2))


def _noisy(intensity: np.ndarray, photons: Optional[float], seed: int) -> np.ndarray:
    if photons is None:
        return intensity.astype(np.float32)
    if photons <= 0:
        raise ValueError(f"photons must be positive (or None for no noise), got {photons}")
    counts = np.random.default_rng(seed).poisson(photons * np.clip(intensity, 0, None))
    return (counts / photons).astype(np.float32)


def _specimen(phase, amplitude) -> tuple[np.ndarray, np.ndarray]:
    """Phase and amplitude as float64 (Y, X) images of one shape; no amplitude means transparent."""
    phase = np.asarray(phase, dtype=np.float64)
    if phase.ndim != 2:
        raise ValueError(f"phase must be a 2-D (Y, X) image, got shape {phase.shape}")
    if amplitude is None:
        return phase, np.ones_like(phase)
    amplitude = np.asarray(amplitude, dtype=np.float64)
    if amplitude.shape != phase.shape:
        raise ValueError(f"amplitude of shape {amplitude.shape} must match phase {phase.shape}")
    return phase, amplitude
