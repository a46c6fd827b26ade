"""The learned ZMD models in the phase suite: their phase error and how well their uncertainty
is calibrated (Spearman ρ of σ with |error|, share of pixels within ±2σ), and the fit of the
calibration factor on simulated stacks no model was trained on (seeds from 30 000 000)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from . import phase_sets as sets

MODELS = {"2 planes": "zmd-phase-2plane", "RGB": "zmd-phase-rgb"}  # plane set → shipped model
CALIBRATION_SEED_BASE = 30_000_000


@dataclass
class ZMDEstimate:
    phase: np.ndarray
    sigma: np.ndarray  # calibrated σ, or the raw spread of an uncalibrated model


def zmd_estimate(planes: np.ndarray, dz_nm, wavelength_nm: float, pixel_size_nm: float,
                 rgb: bool, model: Optional[str | Path] = None, na: float = sets.NA,
                 samples: int = 8, device: str = "cpu", seed: int = 0) -> ZMDEstimate:
    """ZMD through the verb on (P, Y, X) planes (RGB: the R, G, B channels, defocus ``dz_nm``)."""
    from ..methods import retrieve_phase
    from ..optics import ChromaticFocus, Optics
    from ..training.phase_data import RGB_WAVELENGTHS_NM

    optics = Optics(na=na, wavelength_nm=wavelength_nm, pixel_size_nm=pixel_size_nm,
                    refractive_index=1.0)
    common = dict(optics=optics, model=model, samples=samples, device=device, seed=seed)
    if rgb:
        result = retrieve_phase(np.moveaxis(planes, 0, -1), "zmd", axes="YXC",
                                chromatic=ChromaticFocus(RGB_WAVELENGTHS_NM, list(dz_nm)),
                                **common)
    else:
        result = retrieve_phase(planes, "zmd", axes="ZYX", dz_nm=list(dz_nm), **common)
    sigma = result.extras.get("uncertainty", result.extras.get("sample_spread"))
    return ZMDEstimate(result.image, sigma)


def bench_estimate(images: sets.PhaseImages, plane_set: str, device: str,
                   model: Optional[str | Path] = None) -> ZMDEstimate:
    """ZMD on one benchmark specimen: the ∓1 µm planes or the RGB exposure."""
    if plane_set == "RGB":
        return zmd_estimate(np.moveaxis(images.rgb, -1, 0), sets.FOCAL_SHIFTS_NM,
                            sets.WAVELENGTH_NM, sets.PIXEL_SIZE_NM, True, model, device=device)
    outer = [sets.DZ_NM.index(-1000.0), sets.DZ_NM.index(1000.0)]
    return zmd_estimate(images.planes[outer], [sets.DZ_NM[i] for i in outer],
                        sets.WAVELENGTH_NM, sets.PIXEL_SIZE_NM, False, model, device=device)


def scores(truths: list[np.ndarray], estimates: list[ZMDEstimate]) -> dict:
    """Mean RMSE (rad, piston removed) and Pearson r per field; Spearman ρ of σ with |error|
    and ±2σ coverage over all pixels pooled."""
    from ..metrics import interval_coverage, phase_rmse, std_error_spearman

    centred = [t - t.mean() for t in truths]
    truth = np.concatenate([t.ravel() for t in centred])
    mean = np.concatenate([e.phase.ravel() for e in estimates])
    sigma = np.concatenate([e.sigma.ravel() for e in estimates])
    return {"rmse": float(np.mean([phase_rmse(t, e.phase) for t, e in zip(truths, estimates)])),
            "r": float(np.mean([np.corrcoef(t.ravel(), e.phase.ravel())[0, 1]
                                for t, e in zip(truths, estimates)])),
            "spearman": std_error_spearman(truth, mean, sigma),
            "coverage_2sigma": interval_coverage(truth, mean, sigma, k=2.0)}


def calibration_stacks(planes: str, count: int, shape: tuple[int, int]):
    """Held-out simulated stacks of the recipe's ranges (seeds no recipe or test uses)."""
    from ..training.phase_data import PhaseRanges, simulated_phase_stack

    return [simulated_phase_stack(CALIBRATION_SEED_BASE + i, shape, PhaseRanges(planes))
            for i in range(count)]


def fitted_factor(model: str | Path, stacks, factor_in_use: float = 1.0) -> tuple[float, dict]:
    """The factor making ±2σ cover 95.4 % of the stacks' pixels, and the figures before it."""
    from ..metrics.uncertainty import calibration_factor

    rgb = len(stacks[0].planes) == 3
    estimates = [zmd_estimate(s.planes, s.dz_nm, s.wavelength_nm, s.pixel_size_nm, rgb, model,
                              na=s.metadata["na"], seed=i) for i, s in enumerate(stacks)]
    truths = [s.phase for s in stacks]
    truth = np.concatenate([t.ravel() for t in truths])
    mean = np.concatenate([e.phase.ravel() for e in estimates])
    sigma = np.concatenate([e.sigma.ravel() for e in estimates])
    return factor_in_use * calibration_factor(truth, mean, sigma), scores(truths, estimates)
