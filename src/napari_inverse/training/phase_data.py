"""Training pairs for the learned phase models (ZMD): simulated brightfield planes → phase truth.

A pair's input is the network's condition, built by :func:`zmd_condition` exactly as the verb
builds it: each plane's contrast (plane / its mean − 1) and the uniform-intensity TIE phase (rad)
of those planes. Specimens are random synthetic cells or phase textures, absorbing or not, seen
through a randomly drawn microscope under Köhler illumination (`simulate.phase`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from ..classical.phase_tie import normalised_planes, tie_phase
from ..simulate.pairs import Pair

RGB_WAVELENGTHS_NM = (610.0, 540.0, 460.0)  # the colour channels' centres; phase stated at green


def zmd_condition(planes: torch.Tensor, dz_nm: Sequence[float], wavelength_nm: float,
                  pixel_size_nm: float, n_medium: float = 1.0) -> torch.Tensor:
    """(P + 1, Y, X): each plane's contrast and the TIE phase in rad at ``wavelength_nm``."""
    contrast = normalised_planes(planes) - 1
    tie = tie_phase(planes, dz_nm, wavelength_nm, pixel_size_nm, n_medium)
    return torch.cat([contrast, tie[None]]).float()


@dataclass(frozen=True)
class PhaseRanges:
    """Where random specimens and microscopes are drawn from (uniform; photons log-uniform).

    ``dz_nm``: the distance of each outer plane from the focus (2 planes: ∓dz; RGB: red at
    +dz_R, blue at −dz_B from green, drawn independently), ``green_defocus_nm`` the stage's
    offset from green focus (RGB). ``closed_condenser``: share of stacks with a point source.
    """

    planes: str = "2plane"  # "2plane" | "rgb"
    wavelength_nm: tuple[float, float] = (500.0, 600.0)  # 2 planes only; RGB is fixed
    pixel_size_nm: tuple[float, float] = (170.0, 250.0)
    na: tuple[float, float] = (0.4, 0.65)
    condenser_na: tuple[float, float] = (0.1, 0.5)  # capped at 0.9 NA
    closed_condenser: float = 0.3
    dz_nm: tuple[float, float] = (700.0, 1400.0)
    green_defocus_nm: tuple[float, float] = (-200.0, 200.0)
    photons: tuple[float, float] = (2000.0, 20000.0)
    absorption: tuple[float, float] = (0.0, 0.6)
    max_phase_rad: tuple[float, float] = (0.5, 3.0)

    def to_card(self) -> dict:
        """The ranges as the model card lists them."""
        described = {k: list(v) if isinstance(v, tuple) else v for k, v in vars(self).items()}
        if self.planes == "rgb":
            described.pop("wavelength_nm")
            described["channel_wavelengths_nm"] = list(RGB_WAVELENGTHS_NM)
        else:
            described.pop("green_defocus_nm")
        return described


@dataclass
class PhaseStack:
    """Brightfield planes (P, Y, X) at ``dz_nm`` (RGB: the channels' defocus), the zero-mean
    phase truth (rad at ``wavelength_nm``) and the microscope that recorded them."""

    planes: np.ndarray
    dz_nm: list
    wavelength_nm: float
    pixel_size_nm: float
    phase: np.ndarray
    metadata: dict


def simulated_phase_stack(seed: int, shape, ranges: PhaseRanges) -> PhaseStack:
    """One random specimen through one random microscope: two planes or one RGB exposure."""
    from ..simulate import chromatic_rgb, defocus_stack

    rng = np.random.default_rng(seed)
    phase, amplitude, pixel = _specimen(rng, shape, ranges)
    na = rng.uniform(*ranges.na)
    condenser = (None if rng.random() < ranges.closed_condenser
                 else min(rng.uniform(*ranges.condenser_na), 0.9 * na))
    common = dict(pixel_size_nm=pixel, na=na, n_medium=1.0,
                  photons=float(np.exp(rng.uniform(*np.log(ranges.photons)))), seed=seed,
                  condenser_na=condenser)
    if ranges.planes == "rgb":
        green = rng.uniform(*ranges.green_defocus_nm)
        shifts = (rng.uniform(*ranges.dz_nm), 0.0, -rng.uniform(*ranges.dz_nm))
        planes = np.moveaxis(chromatic_rgb(
            phase, amplitude, centre_wavelengths_nm=RGB_WAVELENGTHS_NM, focal_shifts_nm=shifts,
            defocus_nm=green, n_spectral=3, **common).rgb, -1, 0)
        dz, wavelength = [green + s for s in shifts], RGB_WAVELENGTHS_NM[1]
    else:
        half = rng.uniform(*ranges.dz_nm)
        dz, wavelength = [-half, half], rng.uniform(*ranges.wavelength_nm)
        planes = defocus_stack(phase, amplitude, wavelength_nm=wavelength, dz_nm=dz,
                               **common).intensity
    return PhaseStack(planes, dz, wavelength, pixel, (phase - phase.mean()).astype(np.float32),
                      common)


def phase_pair(seed: int, shape, ranges: PhaseRanges) -> Pair:
    """A simulated stack as a training pair: (condition, zero-mean phase truth)."""
    stack = simulated_phase_stack(seed, shape, ranges)
    condition = zmd_condition(torch.as_tensor(stack.planes), stack.dz_nm, stack.wavelength_nm,
                              stack.pixel_size_nm)
    return Pair(condition.numpy(), stack.phase,
                dict(dz_nm=stack.dz_nm, wavelength_nm=stack.wavelength_nm, **stack.metadata))


def _specimen(rng, shape, ranges: PhaseRanges):
    """Phase (rad), amplitude and pixel size: cells (4 in 5) or a phase texture, absorbing
    where thick by a random fraction."""
    from ..simulate import cell_phase, phase_texture

    pixel = rng.uniform(*ranges.pixel_size_nm)
    peak = rng.uniform(*ranges.max_phase_rad)
    seed = int(rng.integers(2**31))
    if rng.random() < 0.8:
        phase = cell_phase(shape, pixel, n_cells=int(rng.integers(1, 4)),
                           cell_diameter_nm=rng.uniform(5000, 12000), max_phase_rad=peak,
                           seed=seed)
    else:
        phase = phase_texture(shape, pixel, correlation_nm=rng.uniform(500, 3000),
                              max_phase_rad=peak, seed=seed)
    thickness = np.clip(phase / max(float(phase.max()), 1e-6), 0, 1)
    amplitude = np.sqrt(1.0 - rng.uniform(*ranges.absorption) * thickness)
    return phase.astype(np.float64), amplitude, pixel
