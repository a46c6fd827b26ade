"""The learned ZMD method of ``retrieve_phase``: the mean network's phase, its spread over the
eight symmetric views of the planes, and the spread of diffusion samples (references.md §4.1),
for planes the model was trained on.

Defocus imaging through a round pupil and condenser on square pixels is unchanged by rotating
the field by 90° or mirroring it, so the phase of a turned stack is the turned phase. The mean
network (μ, trained as the expected phase) is run on all eight turns and mirrors: their average
is the phase and their standard deviation, times the card's factor, the uncertainty where the
card calibrated it so (``calibration["spread"] == "views"``). The diffusion's samples
(μ + σ·r̂) give the paper's sample spread beside it.
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
    """Progress steps of one plane set: the views and each diffusion step, of every tile."""
    return tile_count(plane_shape, SAMPLING_TILE) * (1 + steps)


def mean_over_views(net, condition: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(average, standard deviation) of the mean network's phase (1, 1, H, W) over the eight
    rotations and mirrors of ``condition`` (1, C, H, W), each turned back, piston removed."""
    views = []
    for turns in range(4):
        for mirrored in (False, True):
            view = torch.rot90(condition, turns, dims=(-2, -1))
            view = view.flip(-1) if mirrored else view
            phase = net(view)
            phase = torch.rot90(phase.flip(-1) if mirrored else phase, -turns, dims=(-2, -1))
            views.append(phase - phase.mean(dim=(-2, -1), keepdim=True))
    views = torch.cat(views).float()
    return views.mean(0, keepdim=True), views.std(0, keepdim=True)


def zmd_phase(model: LoadedModel, planes: torch.Tensor, distances: Sequence[float],
              optics: Optics, samples: int, steps: int, generator: torch.Generator,
              reporter: ProgressReporter) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(phase, its spread over the views, the samples' standard deviation) in rad for planes
    (P, Y, X) in the model's order (2 planes: −dz then +dz; RGB: R, G, B); the phase is the
    views' average (:func:`mean_over_views`); tiled above 512² with a halo."""
    order = np.argsort(distances) if len(distances) == 2 else np.arange(len(distances))
    condition = zmd_condition(planes[torch.as_tensor(order, device=planes.device)],
                              [distances[i] for i in order], optics.wavelength_nm,
                              optics.pixel_size_nm, optics.refractive_index).cpu().numpy()
    net = model.net

    def sample_tile(block: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.ascontiguousarray(block))[None].to(model.device)
        with torch.inference_mode(), checked_between_stages(reporter.check_cancel):
            phase, view_spread = mean_over_views(net, x)
            reporter.step("eight views")
            _, draws = zmd_sample(net, x, samples, steps, generator,
                                  on_step=lambda: reporter.step(f"{samples} samples"))
        return torch.cat([phase[0], view_spread[0], draws.std(0)]).cpu().numpy()

    shape = condition.shape[1:]
    out = predict_tiled(condition, sample_tile, balanced_tile(shape, SAMPLING_TILE),
                        (OVERLAP,) * 2, (HALO,) * 2, reporter,
                        align=family(model.card.family).multiple, channel_axes=1)
    return out[0] - out[0].mean(), out[1], out[2]
