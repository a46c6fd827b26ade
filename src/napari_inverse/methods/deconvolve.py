"""The ``deconvolve`` verb: undo the microscope's blur with a trained network or a PSF.

Learned methods (m-rBCR, the default; s-rBCR; CARE) run a zoo model; classical ones
(Richardson–Lucy, Wiener) use a PSF computed from the optics or measured by the user.
"""
from __future__ import annotations

import inspect
import math
import time
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
from scipy import ndimage

from ..classical import estimate_spectral_balance, richardson_lucy, rl_stopping, wiener
from ..classical.richardson_lucy import FLOAT32_ITERATIONS
from ..engine.arguments import Choice, Number, Sizes, declare_arguments
from ..engine.axes import SpatialLoop, normalise_axes
from ..engine.device import device_job, select_device
from ..engine.memory_budget import MemoryEstimate, check_memory
from ..engine.progress import CancelLike, ProgressCallback, ProgressReporter
from ..engine.tiling import plan_tiles, predict_tiled
from ..engine.validation import MIN_SPATIAL_SIZE, InvalidInput, check_finite, check_image
from ..optics import PSF_MODELS, Optics, psf_for_image
from ..optics.padding import fft_grid
from .model_restoration import restore_with_model
from .result import Result
from .verb_arguments import COMMON_ARGUMENTS, LEARNED_ARGUMENTS

LEARNED_METHODS = {"mrbcr": "mrbcr-widefield", "srbcr": "srbcr-widefield",
                   "care": "care-widefield"}  # method → default zoo model
CLASSICAL_METHODS = ("richardson_lucy", "wiener")
METHODS = (*LEARNED_METHODS, *CLASSICAL_METHODS)
METHOD_ALIASES = {"rl": "richardson_lucy", "richardson-lucy": "richardson_lucy",
                  "m-rbcr": "mrbcr", "s-rbcr": "srbcr"}
# Above this many pixels per spatial block, work tile by tile to bound memory.
_AUTO_TILE_PIXELS = {2: 4096 * 4096, 3: 256 * 512 * 512}
_AUTO_TILE_SHAPE = {2: (2048, 2048), 3: (128, 512, 512)}
CLASSICAL_MEMORY = MemoryEstimate(outputs=1, working=10)
"""Richardson–Lucy's and Wiener's buffers on a tile's FFT grid: the observation, estimate,
sensitivity, two spectra and the OTF (Wiener: the padded tile, spectra, filter, its balance)."""
ARGUMENTS = {
    **COMMON_ARGUMENTS,
    **LEARNED_ARGUMENTS,
    "method": Choice(METHODS, METHOD_ALIASES),
    "psf_model": Choice(PSF_MODELS),
    "iterations": Number(at_least=1, at_most=100_000, integer=True, auto=True,
                         hint="'auto' (the default) chooses the count per image"),
    "tv_weight": Number(at_least=0, below=0.1, hint="typical 0.001–0.01; 0 turns TV off"),
    "regularization": Number(above=0, optional=True,
                             hint="a constant Wiener λ such as 0.001, or None to measure it"),
    "tile_shape": Sizes(optional=True),
}


@declare_arguments(ARGUMENTS)
def deconvolve(
    image,
    method: str = "mrbcr",
    *,
    axes: Optional[str] = None,
    optics: Optional[Optics] = None,
    psf: Optional[np.ndarray] = None,
    psf_model: str = "richards_wolf",
    iterations: Optional[int | str] = None,
    tv_weight: float = 0.0,
    regularization: Optional[float] = None,
    tile_shape: Optional[Sequence[int]] = None,
    model: Optional[str | Path] = None,
    resample: bool = False,
    device: str = "auto",
    precision: str = "auto",
    progress: Optional[ProgressCallback] = None,
    cancel: Optional[CancelLike] = None,
) -> Result:
    """Deconvolve ``image`` (numpy or dask; axes YX, ZYX, TYX, TZYX, CYX …) and return a Result.

    Learned methods (``mrbcr``, ``srbcr``, ``care``) restore every YX plane with ``model`` (a
    zoo name, model folder or .safetensors path; default the shipped widefield model of the
    method). They need no PSF; ``optics`` only lets them check that the pixel size fits the
    model (:class:`PixelSizeWarning` if not, or ``resample=True`` to resample to the model's
    pixel size and back). ``precision`` is their number format: "auto" (bfloat16 where the CPU
    computes it natively, float32 elsewhere), "float32" or "bfloat16" (`engine.precision`).

    Classical methods need either ``optics`` (a widefield PSF is computed for the image's
    sampling) or a measured ``psf`` (2-D for YX work, 3-D for ZYX work). With a 3-D PSF or
    ``optics.z_step_nm`` set and a Z axis present, the deconvolution is 3-D; otherwise every YX
    plane is done on its own. ``iterations`` and ``tv_weight`` steer Richardson–Lucy; by default
    (None or "auto") the count is chosen per image by cross-validation on thinned photon counts
    (``classical.rl_stopping``; the image must be raw camera data) and recorded in the metadata;
    ``regularization`` is a constant Wiener λ (Tikhonov); when None, λ per frequency is the
    noise-to-object power ratio measured on the image (``classical.wiener``). Large images are
    tiled automatically (``tile_shape`` overrides the classical methods' tiles).
    """
    if method in LEARNED_METHODS:
        if psf is not None:
            raise InvalidInput(
                f"'{method}' is a trained network and uses no PSF; give optics=Optics(...) for its "
                "pixel-size check, or use 'richardson_lucy' or 'wiener' with a measured PSF")
        _refuse_classical_options(method, psf_model=psf_model, iterations=iterations,
                                  tv_weight=tv_weight, regularization=regularization,
                                  tile_shape=tile_shape)
        return restore_with_model(
            image, method, "deconvolution", model or LEARNED_METHODS[method], axes=axes,
            optics=optics, resample=resample, device=device, precision=precision,
            progress=progress, cancel=cancel)
    if model is not None or resample or precision != "auto":
        raise InvalidInput(f"model=, resample= and precision= belong to the learned methods "
                           f"({', '.join(LEARNED_METHODS)}), not to '{method}'")
    started = time.perf_counter()
    check_image(image)
    if (optics is None) == (psf is None):
        raise InvalidInput("give exactly one of optics=Optics(...) or psf=<array>")
    spatial_ndim = deconvolution_ndim(normalise_axes(axes, tuple(image.shape)), optics, psf)
    loop = SpatialLoop(image, axes, spatial_ndim)
    # the tiles are counted from the PSF's size, so its planes check the cancel on their own
    kernel_psf = checked_psf(psf, loop.spatial_shape) if psf is not None else psf_for_image(
        optics, loop.spatial_shape, psf_model, ProgressReporter(1, cancel=cancel).check_cancel
    )
    torch_device = select_device(device)
    tiles_shape, overlap, halo = _tiling(loop.spatial_shape, kernel_psf.shape, tile_shape)
    check_memory(_memory_estimate(method, iterations).bytes_needed(
        image.shape, loop.spatial_shape, _largest_piece(loop.spatial_shape, tiles_shape, halo,
                                                        kernel_psf.shape)),
        f"{method} on an image of shape {tuple(image.shape)}")
    n_tiles = len(plan_tiles(loop.spatial_shape, tiles_shape, overlap, halo))
    auto = method == "richardson_lucy" and iterations is None
    planned = rl_stopping.TYPICAL_ITERATIONS if auto else iterations
    steps_per_block = n_tiles * (planned if method == "richardson_lucy" else 1) + (
        rl_stopping.SEARCH_LIMIT if auto else 0)
    reporter = ProgressReporter(loop.n_blocks * steps_per_block, progress, cancel)
    chosen = []  # the iteration count chosen for each block

    def restore_block(block: np.ndarray) -> np.ndarray:
        common = dict(psf=kernel_psf, device=torch_device, reporter=reporter)
        if method == "richardson_lucy":
            count = iterations
            if auto:
                count = rl_stopping.choose_iterations(block, kernel_psf, torch_device, reporter)
                chosen.append(count)
                reporter.total += n_tiles * (count - planned)  # the plan, now known
            solve = partial(richardson_lucy, iterations=count, tv_weight=tv_weight, **common)
        else:
            # λ is estimated once per block, not per tile, so every tile is filtered alike.
            balance = (regularization if regularization is not None
                       else estimate_spectral_balance(block, kernel_psf, reporter.check_cancel))
            solve = partial(wiener, balance=balance, **common)
        return predict_tiled(block, solve, tiles_shape, overlap, halo, reporter)

    with device_job(torch_device):
        output = loop.run(restore_block)
    reporter.check_cancel()  # a cancel during the last tile still wins, as on the learned path
    reporter.finish()
    parameters = {"iterations": iterations, "tv_weight": tv_weight} if method == "richardson_lucy" \
        else {"regularization": regularization if regularization is not None else "auto"}
    if auto:
        parameters.update(iterations="auto", chosen_iterations=chosen[0] if len(chosen) == 1
                          else chosen)
    return Result(
        image=output,
        extras={"psf": kernel_psf},
        metadata={
            "method": method,
            "axes": loop.axes,
            "spatial_axes": loop.spatial_axes,
            "parameters": parameters,
            "optics": optics.to_dict() if optics is not None else None,
            "psf_source": "measured" if psf is not None else psf_model,
            "psf_shape": tuple(kernel_psf.shape),
            "tiles": n_tiles,
            "tile_shape": tuple(tiles_shape),
            "device": str(torch_device),
            "seconds": time.perf_counter() - started,
        },
    )


PSF_SAMPLING_TOLERANCE = 0.05
"""How far a measured PSF's pixel size or z step may be from the image's (relative)."""


def check_psf_sampling(psf_nm: dict[str, float], image_nm: dict[str, float],
                       psf_name: str = "the PSF") -> None:
    """Refuse a measured PSF sampled unlike the image (sizes per axis letter, in nm, where both
    are known): deconvolving with it would undo a blur of the wrong size, with no error."""
    for axis, theirs in psf_nm.items():
        mine = image_nm.get(axis)
        if mine and theirs and abs(theirs - mine) > PSF_SAMPLING_TOLERANCE * mine:
            raise InvalidInput(
                f"{psf_name} is sampled at {theirs:g} nm along {axis}, the image at {mine:g} nm: "
                "deconvolving with it would undo a blur of the wrong size. Measure or resample "
                "the PSF at the image's sampling")


def _refuse_classical_options(method: str, **given) -> None:
    """A learned method given Richardson–Lucy's or Wiener's options would ignore them: say so
    rather than let someone believe they steered the result."""
    defaults = inspect.signature(deconvolve).parameters
    changed = [name for name, value in given.items() if value != defaults[name].default]
    if changed:
        one, names = len(changed) == 1, ", ".join(repr(name) for name in changed)
        raise InvalidInput(
            f"{names} {'is an option' if one else 'are options'} of Richardson–Lucy and Wiener, "
            f"which '{method}' (a trained network) does not use; drop {'it' if one else 'them'}, "
            "or choose method='richardson_lucy' or 'wiener'")


def deconvolution_ndim(axes: str, optics, psf) -> int:
    """2 when every YX plane is deconvolved on its own, 3 for ZYX stacks (see ``deconvolve``);
    ``axes`` as `engine.axes.normalise_axes` returns them."""
    has_z = "Z" in axes
    if psf is not None:
        psf_ndim = np.ndim(psf)
        if psf_ndim == 3 and not has_z:
            raise InvalidInput("a 3-D PSF needs an image with a Z axis (axes like 'ZYX')")
        return psf_ndim
    return 3 if has_z and optics.z_step_nm is not None else 2


def checked_psf(psf, spatial_shape) -> np.ndarray:
    """A measured PSF as the solvers take it: float32, checked, centred, summing to one."""
    psf = np.asarray(psf, dtype=np.float32)
    if psf.ndim not in (2, 3):
        raise InvalidInput(f"the PSF must be 2-D or 3-D, got shape {psf.shape}")
    if 0 in psf.shape:
        raise InvalidInput("the PSF is empty")
    check_finite(psf, "PSF")
    if psf.min() < 0 or psf.sum() <= 0:
        raise InvalidInput(
            f"the PSF must be non-negative with a positive sum (its minimum is {psf.min():.3g}, "
            f"its sum {psf.sum():.3g}); subtract the bead image's background and clip what falls "
            "below zero to zero")
    # Along Z a PSF may reach beyond a short stack (the solvers pad it); laterally it may not.
    if any(p > s for p, s in zip(psf.shape[-2:], spatial_shape[-2:])):
        raise InvalidInput(
            f"the PSF {psf.shape} is larger than the image {tuple(spatial_shape)} along Y or X; "
            "crop the PSF around its centre to at most the image's width and height"
        )
    psf = _centred(psf)
    return psf / psf.sum()


def _centred(psf: np.ndarray) -> np.ndarray:
    """``psf`` moved by whole pixels so that its peak sits where the OTF expects it (index
    p // 2 on every axis); refused when the peak is so far off that the crop missed the bead.

    Why: deconvolving with an off-centre PSF shifts the whole result by the offset, off the
    image's grid, with no error. The peak is the centroid of the pixels above half the maximum,
    which a measured bead's background and noise barely move. The values rolled around the
    array's edge are that background.
    """
    centroid = ndimage.center_of_mass(np.where(psf >= 0.5 * psf.max(), psf, 0.0))
    offsets = [round(c - n // 2) for c, n in zip(centroid, psf.shape)]
    if any(abs(o) > n // 4 for o, n in zip(offsets, psf.shape)):
        where = ", ".join(f"{c:.1f}" for c in centroid)
        raise InvalidInput(
            f"the PSF's peak is at ({where}), far from the middle of its {psf.shape} array: "
            "crop the PSF around the bead so that its brightest point is near the middle")
    return np.roll(psf, [-o for o in offsets], axis=tuple(range(psf.ndim)))


def _largest_piece(spatial_shape, tile_shape, halo, psf_shape) -> tuple[int, ...]:
    """The FFT grid of the largest tile read with its halo: what a solver holds at once."""
    read = tuple(min(n, t + 2 * h) for n, t, h in zip(spatial_shape, tile_shape, halo))
    return fft_grid(read, psf_shape)[0]


def _memory_estimate(method: str, iterations: Optional[int]) -> MemoryEstimate:
    """The classical buffers, twice as wide where Richardson–Lucy runs in float64 (an automatic
    count may)."""
    if method == "richardson_lucy" and (iterations is None or iterations > FLOAT32_ITERATIONS):
        return replace(CLASSICAL_MEMORY, working=2 * CLASSICAL_MEMORY.working)
    return CLASSICAL_MEMORY


def psf_halo(psf_shape) -> tuple[int, ...]:
    """The context a tile or chunk needs on each side: the neighbours its PSF reaches, twice
    over. Tiled and untiled Richardson–Lucy then agree to ~1e-5 of the range."""
    return tuple(2 * int(p) for p in psf_shape)


def _tiling(spatial_shape, psf_shape, tile_shape):
    ndim = len(spatial_shape)
    if tile_shape is None:
        needs_tiles = math.prod(spatial_shape) > _AUTO_TILE_PIXELS[ndim]
        tile_shape = _AUTO_TILE_SHAPE[ndim] if needs_tiles else spatial_shape
    if len(tile_shape) != ndim:
        raise InvalidInput(f"tile_shape {tuple(tile_shape)} needs {ndim} sizes for this image")
    smallest = tuple(max(MIN_SPATIAL_SIZE, p) for p in psf_shape)
    # Only an axis that is cut into tiles needs tiles as large as the PSF: an axis read whole
    # (a short Z stack, say) has nothing beyond its ends for a halo to bring in.
    if any(t < min(s, n) for t, s, n in zip(tile_shape, smallest, spatial_shape)):
        raise InvalidInput(f"tile_shape {tuple(tile_shape)} is smaller than {smallest}, the PSF's "
                           f"size (and at least {MIN_SPATIAL_SIZE} pixels) along each axis; "
                           "choose larger tiles, or tile_shape=None to let the size be chosen")
    halo = psf_halo(psf_shape)
    overlap = tuple(max(p // 2, 1) for p in psf_shape)
    return tuple(int(t) for t in tile_shape), overlap, halo
