"""Trained networks chunk by chunk: the receptive field as the halo, one model per worker.

A network scales its input by percentiles of the block it is given; here they are taken once
per plane (or stack) and shared by that plane's chunks, so a chunk is scaled exactly as the
whole plane is in napari or the command line, and the results agree.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..engine.arguments import check_arguments
from ..engine.validation import InvalidInput
from ..methods.model_restoration import load_checked_model
from ..methods.sampling import PixelSizeWarning, pixel_size_mismatch
from ..zoo import family
from ..engine.normalisation import spec_bounds
from ..zoo.inference import HALO
from .chunk_plan import rounded_halo
from .chunked_method import ChunkedMethod
from .workers import worker_model


def prepare_learned(verb_arguments: dict, task: str, default_models: dict[str, str],
                    options: dict[str, Any]) -> ChunkedMethod:
    """A zoo model run for ``task`` ("denoising", "deconvolution"); ``default_models`` maps each
    method to its shipped model, ``verb_arguments`` is the verb's argument declaration."""
    options = check_arguments(verb_arguments, options)
    method = options["method"]
    if options.get("resample"):
        raise InvalidInput("resample=True is not available chunk by chunk; resample the image "
                           "to the model's pixel size first, or run without resampling")
    model = str(options.get("model") or default_models[method])
    card = load_checked_model(model, method, task, "cpu").card  # refuses a wrong model now
    optics = options.get("optics")
    mismatch = pixel_size_mismatch(card, optics) if optics is not None else None
    if mismatch:
        warnings.warn(mismatch, PixelSizeWarning, stacklevel=3)
    ndim = card.architecture.get("ndim", 2)
    align = family(card.family).multiple
    return ChunkedMethod(
        spatial_axes="ZYX" if ndim == 3 else "YX", halo=rounded_halo((HALO,) * ndim, align),
        align=align, restore=restore_learned, statistic=plane_bounds,
        settings={"model": model, "method": method, "task": task,
                  "precision": options.get("precision", "auto"),
                  "normalisation": dict(card.normalisation)},
        metadata={"method": method, "model": card.name, "model_sha256": card.sha256,
                  "optics": optics.to_dict() if optics is not None else None,
                  "pixel_size_check": mismatch or ("ok" if optics is not None
                                                   else "not done: no optics"),
                  "parameters": {"model": card.name, "resample": False}})


def plane_bounds(block: np.ndarray, method: ChunkedMethod) -> tuple[float, float]:
    """The bounds the model's card's normalisation gives a whole plane (or stack)."""
    return spec_bounds(block, method.settings["normalisation"])


def restore_learned(block: np.ndarray, method: ChunkedMethod, bounds, device: str,
                    cancel, key: str) -> dict[str, np.ndarray]:
    """The worker's model on one chunk, scaled by its plane's ``bounds``."""
    from ..engine.precision import inference_dtype
    from ..engine.progress import ProgressReporter
    from ..zoo.inference import apply_model, tile_count

    settings = method.settings
    loaded = worker_model(settings["model"], settings["method"], settings["task"], device)
    reporter = ProgressReporter(tile_count(block.shape), cancel=cancel)
    dtype = inference_dtype(settings["precision"], loaded.device)
    restored, _ = apply_model(loaded, block, reporter, dtype, bounds=tuple(bounds))
    return {"image": restored}  # no shipped restorer of these verbs predicts an uncertainty
