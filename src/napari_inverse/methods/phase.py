"""The ``retrieve_phase`` verb: quantitative phase from an ordinary brightfield microscope, from
a defocus stack or from one RGB exposure whose colours the objective focuses apart.

Methods: ``tie`` (uniform-intensity transport of intensity), ``teague`` (the TIE with the
in-focus intensity kept, for absorbing specimens), ``wotf`` (inversion of the partially
coherent weak-object transfer functions, for an open condenser and large defocus) and ``zmd``
(the learned ZMD model, with a calibrated uncertainty; `phase_zmd`).
"""
from __future__ import annotations

import math
import time
from typing import Optional, Sequence

import numpy as np
import torch

from ..classical import phase_tie, phase_wotf, teague_phase, tie_phase, wotf_phase
from ..engine.arguments import Choice, Instance, Number, Text, declare_arguments
from ..engine.axes import checked_axes, normalise_axes
from ..engine.device import device_job, select_device
from ..engine.memory_budget import MemoryEstimate, check_memory
from ..engine.progress import CancelLike, ProgressCallback, ProgressReporter
from ..engine.validation import InvalidInput, check_finite, check_image, check_spatial_size
from ..optics import ChromaticFocus, Optics
from . import phase_zmd
from .model_restoration import load_checked_model
from .result import Result
from .verb_arguments import COMMON_ARGUMENTS

METHODS = ("tie", "teague", "wotf", "zmd")
DEFAULT_REGULARIZATION = {"tie": phase_tie.DEFAULT_REGULARIZATION,
                          "teague": phase_tie.DEFAULT_REGULARIZATION,
                          "wotf": phase_wotf.DEFAULT_REGULARIZATION}
PHASE_MEMORY = MemoryEstimate(outputs=2, working=4 * 8)
"""The phase and its optical path; per pixel, the mirror-extended (4×) grid holds the planes,
their spectra and a few complex work arrays."""
ARGUMENTS = {
    **COMMON_ARGUMENTS,
    "method": Choice(METHODS),
    "condenser_na": Number(above=0, at_most=1.6, optional=True,
                           hint="the condenser's numerical aperture, e.g. 0.3; None for a "
                                "condenser stopped down"),
    "regularization": Number(above=0, optional=True,
                             hint="Tikhonov α, e.g. 1e-6 for TIE or 1e-5 for WOTF; None chooses"),
    "chromatic": Instance(ChromaticFocus, optional=True,
                          hint="e.g. ChromaticFocus(wavelengths_nm=(610, 540, 460), "
                               "focal_shifts_nm=(1000, 0, -1000))"),
    "model": Text(optional=True, path=True),
    "samples": Number(at_least=2, at_most=64, integer=True,
                      hint="the sample spread needs at least 2 samples; 8 is typical"),
    "steps": Number(at_least=1, at_most=199, integer=True, optional=True,
                    hint=f"None gives {phase_zmd.DEFAULT_STEPS}; 199 is the reference sampler"),
    "seed": Number(at_least=0, integer=True, optional=True),
}


@declare_arguments(ARGUMENTS)
def retrieve_phase(
    stack,
    method: str = "tie",
    *,
    axes: Optional[str] = None,
    optics: Optional[Optics] = None,
    condenser_na: Optional[float] = None,
    dz_nm: Optional[Sequence[float]] = None,
    chromatic: Optional[ChromaticFocus] = None,
    regularization: Optional[float] = None,
    model: Optional[str] = None,
    samples: int = 8,
    steps: Optional[int] = None,
    seed: Optional[int] = None,
    device: str = "auto",
    progress: Optional[ProgressCallback] = None,
    cancel: Optional[CancelLike] = None,
) -> Result:
    """Phase in radians (zero mean) of brightfield planes; ``.extras["optical_path_nm"]``.

    ``stack``: numpy or dask, or a list of 2-D planes. ``axes`` "ZYX" (guessed for 3-D),
    "TZYX" (a time-lapse, looped over), or "YXC"/"YXS" for one RGB exposure (the chromatic
    mode, which needs ``chromatic=ChromaticFocus(...)``). Z planes lie ``optics.z_step_nm``
    apart with the focus in the middle, unless ``dz_nm`` lists each plane's defocus.
    ``optics`` gives the wavelength the phase is stated at, the pixel size, the objective's NA
    and the index of the medium the defocus is measured in; ``condenser_na`` is for ``wotf``.
    ``zmd`` (``model``: a zoo name or path; None picks the 2-plane or RGB model): the phase is
    the mean network's average over the eight rotations and mirrors of the planes,
    ``.extras["uncertainty"]`` their calibrated spread in rad (σ; the card states its coverage)
    and ``.extras["sample_spread"]`` that of ``samples`` diffusion samples of ``steps`` network
    evaluations each.
    """
    started = time.perf_counter()
    if optics is None:
        raise InvalidInput("retrieve_phase needs the wavelength and pixel size: give "
                           "optics=Optics(na=..., wavelength_nm=..., pixel_size_nm=...)")
    if condenser_na is not None and method != "wotf":
        raise InvalidInput(f"condenser_na is used by method='wotf' only; '{method}' assumes a "
                           "small defocus, where the condenser does not matter: drop it")
    if method == "zmd" and regularization is not None:
        raise InvalidInput("regularization is for the classical methods; ZMD has none: drop it")
    if method != "zmd" and model is not None:
        raise InvalidInput(f"model= is for method='zmd'; '{method}' is a classical method")
    array = _as_array(stack)
    axes = phase_axes(axes, tuple(array.shape))
    plane_axis = "S" if "S" in axes else "Z"
    n_planes = array.shape[axes.index(plane_axis)]
    if n_planes < 2:
        raise InvalidInput(f"phase needs at least two planes at different focus, got one "
                           f"({plane_axis}={n_planes}); record a plane above and below focus")
    distances, wavelengths = _planes(plane_axis, n_planes, optics, dz_nm, chromatic)
    loop_axes = [a for a in axes if a not in (plane_axis, "Y", "X")]
    order = [axes.index(a) for a in (*loop_axes, plane_axis, "Y", "X")]
    ordered = array.transpose(order)
    loop_shape, plane_shape = ordered.shape[:-3], ordered.shape[-2:]
    check_spatial_size(plane_shape, "YX")
    check_memory(PHASE_MEMORY.bytes_needed(
        (*loop_shape, *plane_shape), ordered.shape[-3:],
        (ordered.shape[-3] + 4, 2 * plane_shape[0], 2 * plane_shape[1])),
        f"phase retrieval of an image of shape {tuple(array.shape)}")
    alpha = DEFAULT_REGULARIZATION.get(method) if regularization is None else regularization
    torch_device = select_device(device)
    learned = method == "zmd"
    steps = steps or phase_zmd.DEFAULT_STEPS
    units = phase_zmd.zmd_units(plane_shape, steps) if learned else 1
    reporter = ProgressReporter(math.prod(loop_shape) * units, progress, cancel)
    phase = np.empty((*loop_shape, *plane_shape), dtype=np.float32)
    view_spread = np.empty_like(phase) if learned else None
    sample_spread = np.empty_like(phase) if learned else None
    seed = seed if seed is not None else int(torch.seed() % 2**31)
    generator = torch.Generator().manual_seed(seed)
    with device_job(torch_device):
        loaded = (_zmd_model(model, plane_axis, distances, wavelengths, optics, torch_device)
                  if learned else None)
        for index in np.ndindex(*loop_shape):
            block = np.asarray(ordered[index], dtype=np.float32)
            check_finite(block)
            planes = torch.as_tensor(block, device=torch_device)
            if learned:
                phase[index], view_spread[index], sample_spread[index] = phase_zmd.zmd_phase(
                    loaded, planes, distances, optics, samples, steps, generator, reporter)
                continue
            with torch.inference_mode():
                phase[index] = _solve(method, planes, distances, wavelengths, optics,
                                      condenser_na, alpha, reporter.check_cancel).cpu().numpy()
            reporter.step(f"phase {reporter.done + 1} of {reporter.total}")
        card, loaded = (loaded.card if learned else None), None  # weights leave the device
    reporter.check_cancel()
    reporter.finish()
    extras = {"optical_path_nm": phase * np.float32(optics.wavelength_nm / (2 * math.pi))}
    parameters = {"regularization": alpha, "condenser_na": condenser_na}
    if learned:
        extras.update(_zmd_spreads(card, view_spread, sample_spread))
        parameters = {"model": card.name, "model_sha256": card.sha256, "samples": samples,
                      "steps": steps, "seed": seed,
                      "uncertainty_calibration": card.calibration or "none: not calibrated"}
    return Result(
        image=phase,
        extras=extras,
        metadata={
            "method": method, "axes": axes, "result_axes": "".join(loop_axes) + "YX",
            "units": "rad", "phase_wavelength_nm": optics.wavelength_nm,
            "dz_nm": [float(d) for d in distances],
            "plane_wavelengths_nm": [float(w) for w in wavelengths],
            "parameters": parameters,
            "chromatic": chromatic.to_dict() if chromatic is not None else None,
            "optics": optics.to_dict(), "device": str(torch_device),
            "seconds": time.perf_counter() - started,
        },
    )


def _zmd_spreads(card, view_spread: np.ndarray, sample_spread: np.ndarray) -> dict:
    """The calibrated uncertainty (where the card has one) and the diffusion's spread: the
    card's ``calibration["spread"]`` says which spread its factor was fitted to."""
    factor = np.float32(card.calibration.get("factor", 1.0))
    if card.calibration.get("spread") != "views":
        return {card.spread_name: sample_spread * factor}
    calibrated = {"uncertainty": view_spread * factor} if card.spread_name == "uncertainty" else {}
    return {"sample_spread": sample_spread, **calibrated}


def _zmd_model(model, plane_axis, distances, wavelengths, optics, device):
    """The ZMD model (the default for a Z stack or an RGB exposure), refused with the fix when
    the planes are not what it was trained for."""
    loaded = load_checked_model(model or phase_zmd.DEFAULT_MODELS[plane_axis], "zmd", "phase",
                                device)
    mismatch = phase_zmd.stack_mismatch(loaded.card, plane_axis, distances, wavelengths, optics)
    if mismatch:
        raise InvalidInput(mismatch)
    return loaded


def _solve(method, planes, distances, wavelengths, optics, condenser_na, alpha, between):
    common = dict(n_medium=optics.refractive_index, regularization=alpha)
    if method == "wotf":
        return wotf_phase(planes, distances, optics.wavelength_nm, optics.pixel_size_nm,
                          optics.na, condenser_na, plane_wavelengths_nm=wavelengths,
                          between=between, **common)
    if method == "teague":
        return teague_phase(planes, distances, optics.wavelength_nm, optics.pixel_size_nm,
                            between=between, **common)
    return tie_phase(planes, distances, optics.wavelength_nm, optics.pixel_size_nm, **common)


def _as_array(stack):
    """An array as given, or a list of same-shaped planes stacked along a new first axis."""
    if isinstance(stack, (list, tuple)):
        shapes = {tuple(np.shape(plane)) for plane in stack}
        if len(shapes) > 1:
            raise InvalidInput(f"the planes have different shapes {sorted(shapes)}; crop or "
                               "register them to one shape first")
        stack = np.stack([np.asarray(plane) for plane in stack]) if stack else np.empty((0,))
    check_image(stack, "stack")
    return stack


def phase_axes(axes: Optional[str], shape: tuple[int, ...]) -> str:
    """The axes of an image of ``shape`` with RGB as S ("YXC" means the colour channels of one
    exposure); refused without exactly one of Z and S."""
    if axes is None:
        axes = normalise_axes(None, shape)
    elif axes.upper().endswith("YXC"):
        axes = axes.upper()[:-1] + "S"
    axes = checked_axes(axes, shape)
    if ("Z" in axes) == ("S" in axes):
        raise InvalidInput(
            f"axes {axes!r}: phase needs either a Z axis (a defocus stack, e.g. 'ZYX') or the "
            "colour channels of one RGB exposure ('YXC'), and not both")
    return axes


def _planes(plane_axis, n_planes, optics, dz_nm, chromatic):
    """Each plane's defocus (nm) and wavelength (nm)."""
    if plane_axis == "S":
        if chromatic is None:
            raise InvalidInput(
                "an RGB image needs each channel's wavelength and focal shift: give chromatic="
                "ChromaticFocus(wavelengths_nm=(610, 540, 460), focal_shifts_nm=(...)), the "
                "shifts measured through focus on a bead or an edge")
        if dz_nm is not None:
            raise InvalidInput("dz_nm is for a Z stack; for an RGB image the channels' defocus "
                               "is chromatic.focal_shifts_nm")
        if len(chromatic.wavelengths_nm) != n_planes:
            raise InvalidInput(f"chromatic describes {len(chromatic.wavelengths_nm)} channels, "
                               f"the image has {n_planes}")
        return list(chromatic.focal_shifts_nm), list(chromatic.wavelengths_nm)
    if chromatic is not None:
        raise InvalidInput("chromatic= is for one RGB exposure (axes 'YXC'); a Z stack takes "
                           "dz_nm or optics.z_step_nm")
    if dz_nm is None:
        if optics.z_step_nm is None:
            raise InvalidInput("the distance between planes is missing: give "
                               "Optics(..., z_step_nm=...) or dz_nm=[...] (one per plane, nm)")
        distances = (np.arange(n_planes) - (n_planes - 1) / 2) * optics.z_step_nm
    else:
        distances = np.asarray(dz_nm, dtype=np.float64).ravel()
        if distances.size != n_planes or not np.isfinite(distances).all():
            raise InvalidInput(f"dz_nm must give one finite defocus (nm) per plane: {n_planes} "
                               f"planes, got {list(np.ravel(dz_nm))}")
        if len(np.unique(distances)) < 2:
            raise InvalidInput(f"dz_nm {distances.tolist()} has no two different distances")
    return distances.tolist(), [optics.wavelength_nm] * n_planes
