"""Richardson–Lucy and Wiener chunk by chunk: one PSF for the whole image, its support the halo.

The PSF is computed once on the client for the whole image's sampling (as the verb does) and
sent to every chunk, which runs the ``deconvolve`` verb itself with that PSF. Richardson–Lucy's
automatic iteration count is chosen once per plane (or stack) and shared by its chunks.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..engine.arguments import check_arguments
from ..engine.axes import normalise_axes
from ..engine.validation import InvalidInput
from ..methods.deconvolve import ARGUMENTS, checked_psf, deconvolution_ndim, deconvolve, psf_halo
from .chunked_method import ChunkedMethod

_PASSED_ON = ("iterations", "tv_weight", "regularization", "tile_shape")


def prepare_classical(shape: tuple[int, ...], axes: str, options: dict[str, Any]) -> ChunkedMethod:
    """Richardson–Lucy or Wiener (``options`` as ``deconvolve`` takes them) for chunked work."""
    from ..optics import psf_for_image

    options = check_arguments(ARGUMENTS, options)
    method, optics, psf = options["method"], options.get("optics"), options.get("psf")
    if (optics is None) == (psf is None):
        raise InvalidInput("give exactly one of optics=Optics(...) or psf=<array>")
    if method == "wiener" and options.get("regularization") is None:
        raise InvalidInput("chunked Wiener needs a constant regularization (e.g. 0.001): the "
                           "balance measured per image would differ from chunk to chunk")
    axes = normalise_axes(axes, shape)
    spatial_axes = "ZYX" if deconvolution_ndim(axes, optics, psf) == 3 else "YX"
    spatial_shape = tuple(n for a, n in zip(axes, shape) if a in spatial_axes)
    kernel = (checked_psf(psf, spatial_shape) if psf is not None
              else psf_for_image(optics, spatial_shape, options.get("psf_model", "richards_wolf")))
    auto = method == "richardson_lucy" and options.get("iterations") in (None, "auto")
    passed_on = {name: options[name] for name in _PASSED_ON if options.get(name) is not None}
    return ChunkedMethod(
        spatial_axes=spatial_axes, halo=psf_halo(kernel.shape), restore=restore_classical,
        settings={"method": method, "psf": kernel, "options": passed_on},
        metadata={"method": method, "psf_shape": list(kernel.shape),
                  "psf_source": "measured" if psf is not None
                  else options.get("psf_model", "richards_wolf"),
                  "optics": optics.to_dict() if optics is not None else None,
                  "parameters": {k: v for k, v in passed_on.items() if k != "tile_shape"}},
        statistic=chosen_iterations if auto else None)


def restore_classical(block: np.ndarray, method: ChunkedMethod, iterations, device: str,
                      cancel, key: str) -> dict[str, np.ndarray]:
    """The verb on one chunk with the whole image's PSF (and its plane's iteration count)."""
    settings = method.settings
    options = dict(settings["options"])
    if iterations is not None:
        options["iterations"] = iterations
    result = deconvolve(block, settings["method"], axes=method.spatial_axes, psf=settings["psf"],
                        device=device, cancel=cancel, **options)
    return {"image": result.image}


def chosen_iterations(block: np.ndarray, method: ChunkedMethod) -> int:
    """Richardson–Lucy's iteration count for a whole plane or stack, as the verb chooses it."""
    from ..classical import rl_stopping
    from ..engine.device import select_device

    return int(rl_stopping.choose_iterations(block, method.settings["psf"], select_device("cpu")))
