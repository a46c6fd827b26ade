"""The ``denoise`` verb: remove photon and camera noise with a trained network (CARE, N2V)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..engine.arguments import Choice, declare_arguments
from ..engine.progress import CancelLike, ProgressCallback
from ..optics import Optics
from .model_restoration import restore_with_model
from .result import Result
from .verb_arguments import COMMON_ARGUMENTS, LEARNED_ARGUMENTS

METHODS = {"care": "care-denoise", "n2v": "n2v-fluorescence"}  # method → default zoo model
METHOD_ALIASES = {"noise2void": "n2v"}
ARGUMENTS = {**COMMON_ARGUMENTS, **LEARNED_ARGUMENTS,
             "method": Choice(tuple(METHODS), METHOD_ALIASES)}


@declare_arguments(ARGUMENTS)

def denoise(
    image,
    method: str = "care",
    *,
    model: Optional[str | Path] = None,
    axes: Optional[str] = None,
    optics: Optional[Optics] = None,
    resample: bool = False,
    device: str = "auto",
    precision: str = "auto",
    progress: Optional[ProgressCallback] = None,
    cancel: Optional[CancelLike] = None,
) -> Result:
    """Denoise ``image`` (numpy or dask; axes YX, ZYX, TYX, CYX …) and return a Result.

    ``care`` was trained on noisy/clean pairs; ``n2v`` (Noise2Void) on noisy images alone, so it
    is the one to fine-tune on a user's own data. ``model`` is a zoo name, model folder or
    .safetensors path (default: the method's shipped fluorescence model). Every YX plane is
    restored on its own. ``optics`` only serves the pixel-size check: outside the model's range a
    :class:`PixelSizeWarning` is raised, or with ``resample=True`` the image is resampled to the
    model's pixel size and the result back to the image's grid. ``precision``: the network's
    number format, "auto" (bfloat16 where the CPU computes it natively), "float32" or "bfloat16".
    """
    return restore_with_model(
        image, method, "denoising", model or METHODS[method], axes=axes, optics=optics,
        resample=resample, device=device, precision=precision, progress=progress, cancel=cancel)
