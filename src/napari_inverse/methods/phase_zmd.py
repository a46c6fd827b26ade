"""The learned ZMD method of ``retrieve_phase``: the mean network's phase and the calibrated
spread of diffusion samples around it (references.md §4.1), for planes the model was trained on.

``.image`` is μ, the mean network's output: ZMD trains it as the expected phase, so the samples
(μ + σ·r̂) scatter around it and their standard deviation, times the card's calibration factor,
is the per-pixel uncertainty.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import torch

from ..engine.progress import ProgressReporter
from ..engine.tiling import predict_tiled
from ..nets.stage_check import checked_between_stages
from ..nets.zmd import zmd_sample
from ..optics import Optics
from ..training.phase_data import zmd_condition
from ..zoo import LoadedModel, ModelCard
from ..zoo.families import family
from ..zoo.inference import HALO, OVERLAP, balanced_tile, tile_count

DEFAULT_MODELS = {"Z": "zmd-phase-2plane", "S": "zmd-phase-rgb"}  # plane axis → zoo model
DEFAULT_STEPS = 25  # network evaluations per sample; 199 is the reference sampler
SAMPLING_TILE = (512, 512)  # N samples of a tile run as one batch: its activations × N
TOLERANCE = 0.1  # how far (relative) a stack may lie outside the card's ranges


def stack_mismatch(card: ModelCard, plane_axis: str, distances: Sequence[float],
                   wavelengths: Sequence[float], optics: Optics) -> Optional[str]:
    """Why these planes are not what ``card``'s model was trained for (the fix included), or
    None when they are."""
    ranges = card.optics
    name, (low, high) = card.name, ranges["dz_nm"]
    pixel_low, pixel_high = ranges["pixel_size_nm"]
    if not _within(optics.pixel_size_nm, pixel_low, pixel_high):
        return (f"model '{name}' was trained for pixels of {pixel_low:g}–{pixel_high:g} nm, "
                f"not {optics.pixel_size_nm:g} nm; resample the planes or use a classical method")
    if ranges["planes"] == "rgb":
        expected = ranges["channel_wavelengths_nm"]
        if plane_axis != "S" or len(wavelengths) != len(expected) or any(
                abs(w - e) > 20 for w, e in zip(wavelengths, expected)):
            return (f"model '{name}' takes one RGB exposure with channels near "
                    f"{'/'.join(f'{w:g}' for w in expected)} nm (axes 'YXC' and chromatic=…); "
                    f"got {len(wavelengths)} planes at {[round(w) for w in wavelengths]} nm")
        red, green, blue = distances
        if not (_within(red - green, low, high) and _within(green - blue, low, high)):
            return (f"model '{name}' was trained with red {low:g}–{high:g} nm above and blue as "
                    f"far below green focus; chromatic.focal_shifts_nm {list(distances)} are "
                    "outside that: use a classical method (method='tie' or 'wotf')")
        return None
    if plane_axis != "Z" or len(distances) != 2:
        return (f"model '{name}' takes exactly two planes, at −dz and +dz about focus; got "
                f"{len(distances)} {'planes' if plane_axis == 'Z' else 'colour channels'}: pass "
                "the two outer planes (dz_nm=[-dz, dz]) or use a classical method")
    half = (max(distances) - min(distances)) / 2
    if abs(sum(distances)) > TOLERANCE * half * 2 or not _within(half, low, high):
        return (f"model '{name}' was trained for planes at ∓{low:g}…{high:g} nm about focus; "
                f"these lie at {[round(d) for d in distances]} nm: record them so, or use a "
                "classical method")
    wavelength_low, wavelength_high = ranges["wavelength_nm"]
    if not _within(optics.wavelength_nm, wavelength_low, wavelength_high):
        return (f"model '{name}' was trained for {wavelength_low:g}–{wavelength_high:g} nm "
                f"light, not {optics.wavelength_nm:g} nm; use a classical method")
    return None


def _within(value: float, low: float, high: float) -> bool:
    return low * (1 - TOLERANCE) <= value <= high * (1 + TOLERANCE)


def zmd_units(plane_shape: tuple[int, int], steps: int) -> int:
    """Progress steps of one plane set: one per diffusion step of every tile."""
    return tile_count(plane_shape, SAMPLING_TILE) * steps


def zmd_phase(model: LoadedModel, planes: torch.Tensor, distances: Sequence[float],
              optics: Optics, samples: int, steps: int, generator: torch.Generator,
              reporter: ProgressReporter) -> tuple[np.ndarray, np.ndarray]:
    """(μ, sample standard deviation) in rad for planes (P, Y, X) in the model's order
    (2 planes: −dz then +dz; RGB: R, G, B); tiled above 512² with a halo."""
    order = np.argsort(distances) if len(distances) == 2 else np.arange(len(distances))
    condition = zmd_condition(planes[torch.as_tensor(order, device=planes.device)],
                              [distances[i] for i in order], optics.wavelength_nm,
                              optics.pixel_size_nm, optics.refractive_index).cpu().numpy()
    net = model.net

    def sample_tile(block: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.ascontiguousarray(block))[None].to(model.device)
        with torch.inference_mode(), checked_between_stages(reporter.check_cancel):
            mean, draws = zmd_sample(net, x, samples, steps, generator,
                                     on_step=lambda: reporter.step(f"{samples} samples"))
        return torch.cat([mean[0], draws.std(0)]).cpu().numpy()

    shape = condition.shape[1:]
    out = predict_tiled(condition, sample_tile, balanced_tile(shape, SAMPLING_TILE),
                        (OVERLAP,) * 2, (HALO,) * 2, reporter,
                        align=family(model.card.family).multiple, channel_axes=1)
    return out[0] - out[0].mean(), out[1]
