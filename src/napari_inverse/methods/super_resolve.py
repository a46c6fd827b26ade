"""The ``super_resolve`` verb: diffusion samples (CVDM, or ZMD: CVDM around a mean network), their
mean and a calibrated per-pixel uncertainty."""
from __future__ import annotations

import copy
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from ..engine.arguments import Choice, Flag, Number, declare_arguments
from ..engine.axes import SpatialLoop
from ..engine.device import device_job, select_device
from ..engine.memory import reuse_freed_memory
from ..engine.normalisation import (HIGH_PERCENTILE, LOW_PERCENTILE, denormalise, normalise,
                                    percentile_bounds)
from ..engine.precision import inference_dtype, precision_name
from ..engine.progress import CancelLike, ProgressCallback, ProgressReporter
from ..engine.tiling import predict_tiled
from ..engine.validation import InvalidInput, check_image
from ..nets import ZMD
from ..nets.diffusion import sample, schedule_map
from ..nets.zmd import residual_sampling
from ..nets.stage_check import checked_between_stages
from ..optics import Optics
from ..zoo.families import family
from ..zoo.inference import HALO, OVERLAP, balanced_tile, tile_count
from .model_restoration import load_checked_model
from .physics_guidance import widefield_consistency
from .result import Result
from .sampling import (PixelSizeWarning, model_zoom, pixel_size_mismatch, to_image_grid,
                       to_model_grid, zoomed_shape)
from .verb_arguments import COMMON_ARGUMENTS, LEARNED_ARGUMENTS

# method → default zoo model; the first is the default (ZMD: docs/benchmarks.md, super-resolution)
METHODS = {"zmd": "zmd-widefield-sr", "cvdm": "cvdm-widefield-sr"}
DEFAULT_STEPS = 25  # network evaluations per sample; 199 is the reference sampler
SAMPLING_TILE = (512, 512)  # N samples of a tile run as one batch: its activations × N
ARGUMENTS = {
    **COMMON_ARGUMENTS,
    **LEARNED_ARGUMENTS,
    "method": Choice(tuple(METHODS)),
    "samples": Number(at_least=2, at_most=64, integer=True,
                      hint="the uncertainty is the spread of at least 2 samples; 8 is typical"),
    "steps": Number(at_least=1, at_most=199, integer=True, optional=True,
                    hint=f"None gives {DEFAULT_STEPS}; 199 is the reference sampler"),
    "seed": Number(at_least=0, integer=True, optional=True),
    "upsample": Number(at_least=1, at_most=2, integer=True,
                       hint="1 keeps the image's grid, 2 returns one with half the pixel size"),
    "physics": Flag(),
    "return_samples": Flag(),
}


@declare_arguments(ARGUMENTS)
def super_resolve(
    image,
    method: str = "zmd",
    *,
    model: Optional[str | Path] = None,
    optics: Optional[Optics] = None,
    axes: Optional[str] = None,
    samples: int = 8,
    steps: Optional[int] = None,
    seed: Optional[int] = None,
    upsample: int = 1,
    resample: bool = False,
    physics: bool = False,
    return_samples: bool = False,
    device: str = "auto",
    precision: str = "auto",
    progress: Optional[ProgressCallback] = None,
    cancel: Optional[CancelLike] = None,
) -> Result:
    """Super-resolve a widefield ``image`` (YX, TYX, …) by drawing ``samples`` diffusion samples:
    ``method="cvdm"`` (CVDM) or ``"zmd"`` (ZMD: CVDM on the residual of a mean network).

    ``.image`` is CVDM's sample mean or ZMD's mean network output (the samples scatter about
    it); ``.extras["uncertainty"]`` their standard deviation times the
    model card's calibration factor (fitted on held-out simulated pairs so that ±2σ covers
    ~95 % of the truth), in the image's intensity units; ``.extras["schedule"]`` the learned
    γ(t=0.5) map; ``.extras["samples"]`` the samples (leading axis) with ``return_samples``.
    ``upsample=2`` interpolates the image to a grid of half the pixel size first (the model
    was trained on such inputs too). Where that grid's pixel is outside the model's range,
    :class:`PixelSizeWarning`, or with ``resample`` the model samples at its own pixel size
    and the results come back to that grid. ``physics`` adds PI-DDPM guidance with the
    widefield PSF of ``optics``. ``steps`` network evaluations per sample (of the 200).
    """
    started = time.perf_counter()
    check_image(image)
    if physics and optics is None:
        raise InvalidInput("physics=True needs optics=Optics(...) for the widefield PSF")
    if resample and optics is None:
        raise InvalidInput("resample=True needs optics=Optics(...) to know the pixel size")
    steps = steps or DEFAULT_STEPS
    torch_device = select_device(device)
    dtype = inference_dtype(precision, torch_device)
    model_optics = (replace(optics, pixel_size_nm=optics.pixel_size_nm / upsample)
                    if optics is not None else None)
    seed = seed if seed is not None else int(torch.seed() % 2**31)
    with device_job(torch_device):
        loaded = load_checked_model(model or METHODS[method], method, "super_resolution",
                                    torch_device)
        card = loaded.card
        net = loaded.net if dtype == torch.float32 else copy.deepcopy(loaded.net).to(dtype)
        try:
            loop = SpatialLoop(image, axes, 2)
            mismatch = pixel_size_mismatch(card, model_optics) if model_optics else None
            zoom = model_zoom(card, model_optics) if mismatch and resample else 1.0
            if mismatch and not resample:
                warnings.warn(mismatch, PixelSizeWarning, stacklevel=3)
            output_shape = tuple(n * upsample for n in loop.spatial_shape)
            model_shape = zoomed_shape(output_shape, zoom) if zoom != 1.0 else output_shape
            grid_optics = (replace(model_optics, pixel_size_nm=model_optics.pixel_size_nm / zoom)
                           if model_optics else None)  # the pixel the network samples
            reporter = ProgressReporter(
                loop.n_blocks * tile_count(model_shape, SAMPLING_TILE) * steps, progress, cancel)
            generator = torch.Generator().manual_seed(seed)
            settings = SamplingSettings(samples, steps, upsample, grid_optics if physics else None,
                                        dtype, return_samples, zoom)
            with reuse_freed_memory():
                outputs = loop.run(lambda block: sample_block(block, net, card, settings,
                                                              generator, reporter),
                                   scale=upsample)
        finally:
            loaded = net = None  # the weights leave the device before its cache empties
    reporter.check_cancel()
    reporter.finish()
    extras = {card.spread_name: outputs[1],
              "schedule": outputs[2]}
    if return_samples:
        extras["samples"] = np.stack(outputs[3:])
    return Result(image=outputs[0], extras=extras, metadata={
        "method": method, "model": card.name, "model_sha256": card.sha256,
        "axes": loop.axes, "spatial_axes": loop.spatial_axes,
        "parameters": {"model": card.name, "samples": samples, "steps": steps, "seed": seed,
                       "upsample": upsample, "resample": resample, "physics": physics},
        "optics": model_optics.to_dict() if model_optics else None,  # the output's grid
        "pixel_size_nm": model_optics.pixel_size_nm if model_optics else None,
        "upsample": upsample,
        "resampled_pixel_size_nm": grid_optics.pixel_size_nm if zoom != 1.0 else None,
        "uncertainty_calibration": card.calibration or "none: the spread is not calibrated",
        "pixel_size_check": mismatch or ("ok" if optics is not None else "not done: no optics"),
        "device": str(torch_device), "precision": precision_name(dtype),
        "seconds": time.perf_counter() - started,
    })


@dataclass(frozen=True)
class SamplingSettings:
    """How each block is sampled: ``physics_optics`` (on the model's grid) turns guidance on;
    ``zoom`` (from ``resample``) brings the upsampled grid's pixel to the model's."""

    samples: int
    steps: int
    upsample: int
    physics_optics: Optional[Optics]
    dtype: torch.dtype
    return_samples: bool = False
    zoom: float = 1.0


def sample_block(block: np.ndarray, net, card, settings: SamplingSettings,
                 generator: torch.Generator, reporter: ProgressReporter,
                 bounds: Optional[tuple[float, float]] = None) -> tuple[np.ndarray, ...]:
    """(mean, spread, γ map[, samples …]) of one (Y, X) ``block`` on the model's grid: scaled by
    ``bounds`` (default: its own percentiles, as the card says), sampled tile by tile."""
    shape = tuple(n * settings.upsample for n in block.shape)
    if settings.upsample * settings.zoom != 1:
        block = to_model_grid(block, settings.upsample * settings.zoom)
    if bounds is None:
        bounds = model_grid_bounds(block, card, 1)
    normalised = normalise(block, bounds)
    samples, device = settings.samples, next(net.parameters()).device

    def sample_tile(tile: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.ascontiguousarray(tile))[None, None].to(device)
        with torch.inference_mode(), checked_between_stages(reporter.check_cancel):
            estimate, draws, gamma = draw_images(net, x.to(settings.dtype), settings, generator,
                                                 lambda: reporter.step(f"{samples} samples"))
        parts = [estimate, draws.std(0), gamma[0]]
        if settings.return_samples:
            parts.append(draws[:, 0])
        return torch.cat(parts).cpu().numpy()

    out = predict_tiled(normalised, sample_tile, balanced_tile(normalised.shape, SAMPLING_TILE),
                        (OVERLAP,) * 2, (HALO,) * 2, reporter, align=family(card.family).multiple)
    if settings.zoom != 1.0:  # back from the model's pixel to the grid asked for
        out = [to_image_grid(part, shape) for part in out]
    spread = out[1] * (bounds[1] - bounds[0]) * float(card.calibration.get("factor", 1.0))
    return (denormalise(out[0], bounds), spread, out[2],
            *(denormalise(draw, bounds) for draw in out[3:]))


def draw_images(net, x: torch.Tensor, settings: SamplingSettings, generator: torch.Generator,
                on_step) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(the estimate, ``settings.samples`` images drawn for the normalised tile x, γ(t=0.5)
    map). CVDM draws the scaled residual y − x and its estimate is their mean; ZMD draws
    μ + σ·r̂ and its estimate is μ, the mean network's output: the regression to the expected
    image, which the mean of a few samples can only approach (8 samples: 0.5 dB short at best)."""
    if isinstance(net, ZMD):
        mean, condition, to_image = residual_sampling(net, x)
        diffusion, limit = net.diffusion, net.residual_limit
    else:
        diffusion, condition, limit, mean = net, x, None, None

        def to_image(target):
            return net.image_from_target(x.float(), target)
    guidance = (widefield_consistency(x, settings.physics_optics, to_image)
                if settings.physics_optics is not None else None)
    draws = to_image(sample(diffusion, condition, settings.samples, settings.steps, generator,
                            on_step=on_step, guidance=guidance, limit=limit))
    estimate = draws.mean(0) if mean is None else mean[0]
    return estimate, draws, schedule_map(diffusion, condition).float()


def model_grid_bounds(block: np.ndarray, card, upsample: int) -> tuple[float, float]:
    """The card's percentile pair of ``block`` on the model's grid (``upsample`` times finer)."""
    if upsample != 1:
        block = to_model_grid(block, upsample)
    return percentile_bounds(block, card.normalisation.get("low", LOW_PERCENTILE),
                             card.normalisation.get("high", HIGH_PERCENTILE))
