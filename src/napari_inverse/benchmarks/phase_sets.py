"""The phase benchmark's specimens and their brightfield images, from fixed seeds.

Synthetic cells (`simulate.cell_phase`) and the real quantitative phase image of a cell
(`skimage.data.cell()`, resampled to the benchmark's pixel), each weakly or strongly absorbing,
seen through a 0.5 NA dry objective at 550 nm, 210 nm pixels, under a condenser stopped down
(coherent) or open (NA 0.4), with Poisson noise of 5000 photo-electrons per background pixel;
five planes 1 µm apart (the 3-plane sets are the middle three) and one RGB exposure.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from scipy import ndimage

NA, WAVELENGTH_NM, PIXEL_SIZE_NM, N_MEDIUM = 0.5, 550.0, 210.0, 1.0
OPEN_CONDENSER_NA = 0.4
PHOTONS = 5000.0
DZ_NM = (-2000.0, -1000.0, 0.0, 1000.0, 2000.0)
THREE_PLANES = slice(1, 4)
ABSORPTION = {"weak": 0.05, "strong": 0.6}  # the darkest transmission is 1 − this
CHANNELS_NM = (610.0, 540.0, 460.0)
FOCAL_SHIFTS_NM = (1000.0, 0.0, -1000.0)
TEST_SEEDS, VALIDATION_SEEDS = (101, 102, 103), (201, 202, 203)  # α chosen on three fields


@dataclass
class PhaseSpecimen:
    name: str
    phase: np.ndarray  # rad at WAVELENGTH_NM
    seed: int


@dataclass
class PhaseImages:
    """One specimen under one condition: five defocus planes and one RGB exposure."""

    specimen: PhaseSpecimen
    absorption: str
    condenser_na: Optional[float]
    planes: np.ndarray
    rgb: Optional[np.ndarray]


def specimens(seeds, shape=(256, 256), real: bool = True) -> list[PhaseSpecimen]:
    """Synthetic cells of 1–2.5 rad for each seed, then the real cell (when ``real``)."""
    from ..simulate import cell_phase, load_cell_phase

    found = [PhaseSpecimen(f"cells {seed}", cell_phase(
        shape, PIXEL_SIZE_NM, n_cells=3, cell_diameter_nm=12000,
        max_phase_rad=1.0 + 1.5 * np.random.default_rng(seed).random(), seed=seed), seed)
        for seed in seeds]
    if real:
        phase, pixel_nm = load_cell_phase(max_phase_rad=2.0)
        resampled = ndimage.zoom(phase, pixel_nm / PIXEL_SIZE_NM, order=3)
        found.append(PhaseSpecimen("skimage cell", resampled.astype(np.float32), seeds[0]))
    return found


def images(specimen: PhaseSpecimen, absorption: str, condenser_na: Optional[float],
           rgb: bool = True) -> PhaseImages:
    """The specimen's planes and (with ``rgb``) RGB exposure; it absorbs where it is thick
    (stained cells)."""
    from ..simulate import chromatic_rgb, defocus_stack

    thickness = np.clip(specimen.phase / max(specimen.phase.max(), 1e-6), 0, 1)
    amplitude = np.sqrt(1.0 - ABSORPTION[absorption] * thickness)
    common = dict(amplitude=amplitude, pixel_size_nm=PIXEL_SIZE_NM, na=NA, n_medium=N_MEDIUM,
                  photons=PHOTONS, seed=specimen.seed, condenser_na=condenser_na)
    planes = defocus_stack(specimen.phase, wavelength_nm=WAVELENGTH_NM, dz_nm=DZ_NM,
                           **common).intensity
    # the phase is stated at green's centre here, so scale it to 540 nm
    exposure = chromatic_rgb(specimen.phase * WAVELENGTH_NM / CHANNELS_NM[1],
                             centre_wavelengths_nm=CHANNELS_NM, focal_shifts_nm=FOCAL_SHIFTS_NM,
                             n_spectral=3, **common).rgb if rgb else None
    return PhaseImages(specimen, absorption, condenser_na, planes, exposure)
