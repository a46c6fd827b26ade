"""The learned path shared by the verbs: restore every plane of an image with a zoo model.

``deconvolve(method="mrbcr")`` and ``denoise(method="care")`` differ only in which models they
accept; loading, the pixel-size check, the loop over planes, progress, cancel and the metadata
that traces a result back to its exact weights are the same and live here.
"""
from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Optional

import numpy as np

from ..engine.axes import SpatialLoop
from ..engine.device import device_job, select_device
from ..engine.memory import reuse_freed_memory
from ..engine.memory_budget import MemoryEstimate, check_memory
from ..engine.precision import inference_dtype, precision_name
from ..engine.progress import CancelLike, ProgressCallback, ProgressReporter
from ..engine.validation import InvalidInput, check_image
from ..optics import Optics
from ..zoo import FAMILIES, LoadedModel, load_model_for_inference
from ..zoo.inference import TileLimit, apply_model, largest_tile, tile_count
from .result import Result
from .sampling import (PixelSizeWarning, model_zoom, pixel_size_mismatch, to_image_grid,
                       to_model_grid, zoomed_shape)

LEARNED_MEMORY = MemoryEstimate(outputs=2, working=400)
"""A restoration and its uncertainty; a network's feature maps on a tile (m-rBCR: 48 channels at
several scales, ~0.9 GB on a 768² tile with its halo)."""


def restore_with_model(
    image,
    method: str,
    task: str,
    model: str | Path,
    *,
    axes: Optional[str],
    optics: Optional[Optics],
    resample: bool,
    device: str,
    precision: str,
    progress: Optional[ProgressCallback],
    cancel: Optional[CancelLike],
) -> Result:
    """Restore ``image`` with ``model`` (a zoo name, model folder or .safetensors path).

    The model's card must be of family ``method`` and trained for ``task``. ``optics`` serves
    only the pixel-size check: outside the card's range a :class:`PixelSizeWarning` is raised,
    unless ``resample`` asks to resample each plane to the model's pixel size and back. A 2-D
    model runs plane by plane; a 3-D one on every ZYX stack. ``precision`` is the network's
    number format (`engine.precision`: "auto" is bfloat16 where the CPU computes it natively).
    """
    started = time.perf_counter()
    check_image(image)
    if resample and optics is None:
        raise InvalidInput("resample=True needs optics=Optics(...) to know the pixel size")
    torch_device = select_device(device)
    dtype = inference_dtype(precision, torch_device)
    with device_job(torch_device):
        loaded = load_checked_model(model, method, task, torch_device)
        try:
            loop = SpatialLoop(image, axes, loaded.card.architecture.get("ndim", 2))
            mismatch = pixel_size_mismatch(loaded.card, optics) if optics is not None else None
            zoom = model_zoom(loaded.card, optics) if mismatch and resample else 1.0
            if mismatch and not resample:
                # point at the verb's caller (above the verb and its argument check)
                warnings.warn(mismatch, PixelSizeWarning, stacklevel=4)
            model_shape = (zoomed_shape(loop.spatial_shape, zoom) if zoom != 1.0
                           else loop.spatial_shape)
            check_memory(LEARNED_MEMORY.bytes_needed(image.shape, model_shape,
                                                     largest_tile(model_shape)),
                         f"'{method}' on an image of shape {tuple(image.shape)}")
            reporter = ProgressReporter(loop.n_blocks * tile_count(model_shape), progress, cancel)
            tiles = TileLimit(len(model_shape))  # halved on out-of-memory, for the whole job

            def restore_block(block: np.ndarray):
                if zoom == 1.0:
                    restored, uncertainty = apply_model(loaded, block, reporter, dtype, tiles)
                else:
                    restored, uncertainty = apply_model(loaded, to_model_grid(block, zoom),
                                                        reporter, dtype, tiles)
                    restored = to_image_grid(restored, block.shape)
                    if uncertainty is not None:
                        uncertainty = to_image_grid(uncertainty, block.shape)
                return restored if uncertainty is None else (restored, uncertainty)

            with reuse_freed_memory():  # one heap for every plane and tile of the job
                outputs = loop.run(restore_block)
            card = loaded.card
        finally:
            loaded = None  # the weights leave the device (closure too) before its cache empties
    reporter.check_cancel()  # a cancel during the last tile still wins: nothing is returned
    reporter.finish()
    restored, uncertainty = outputs if isinstance(outputs, tuple) else (outputs, None)
    return Result(
        image=restored,
        extras={} if uncertainty is None else {"uncertainty": uncertainty},
        metadata={
            "method": method,
            "model": card.name,
            "model_sha256": card.sha256,
            "axes": loop.axes,
            "spatial_axes": loop.spatial_axes,
            "parameters": {"model": card.name, "resample": resample},
            "optics": optics.to_dict() if optics is not None else None,
            "pixel_size_check": mismatch or ("ok" if optics is not None else "not done: no optics"),
            "resampled_pixel_size_nm": (optics.pixel_size_nm / zoom) if zoom != 1.0 else None,
            "device": str(torch_device),
            "precision": precision_name(dtype),
            "tile_limit": list(tiles.limit),
            "out_of_memory_retries": tiles.retries,
            "seconds": time.perf_counter() - started,
        },
    )


def load_checked_model(model: str | Path, method: str, task: str, device) -> LoadedModel:
    """The model, refused with the fix when it is of another family or for another task."""
    loaded = load_model_for_inference(model, device)
    card = loaded.card
    if card.family != method:
        raise InvalidInput(
            f"model '{card.name}' is a {FAMILIES[card.family].title} model; use "
            f"method='{card.family}' with it, or a {FAMILIES[method].title} model for '{method}'"
        )
    if card.task != task:
        raise InvalidInput(f"model '{card.name}' was trained for {card.task}, not {task}; "
                           f"pick a {task} model (napari_inverse.zoo.list_models('{task}'))")
    return loaded
