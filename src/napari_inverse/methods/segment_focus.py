"""The ``segment_focus`` verb: which pixels of each slice of a focal stack are in focus.

``weak`` labels from a classical focus measure per pixel (`classical.focus`: no training, no
annotation) — by the depth-of-field rule when the optics with the plane spacing are given, by
the ratio rule otherwise; ``cnn`` runs the in-focus network trained on such weak labels (`zoo`
family ``focus``) and applies the depth-of-field rule to the depth its probability gives
(`classical.focus_from_probability`). Both also give the depth map (the plane where each pixel
is sharpest, refined between planes: the measure's or the network's) and the all-in-focus image
(from the classical measure), streamed slice by slice.
"""
from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Optional

import numpy as np

from ..classical.focus import (DEFAULT_DEPTH_FRACTION, DEFAULT_MEASURE, DEFAULT_RATIO,
                               depth_of_field_planes, focus_peak, focused_pixels,
                               weak_labels)
from ..classical.focus_from_probability import in_focus_from_probability
from ..classical.focus_measures import MEASURES
from ..engine.arguments import Choice, Number, Text, declare_arguments
from ..engine.axes import SpatialLoop
from ..engine.device import device_job, select_device
from ..engine.memory import reuse_freed_memory
from ..engine.progress import CancelLike, ProgressCallback, ProgressReporter
from ..engine.validation import InvalidInput, check_finite, check_image
from ..optics import Optics
from ..zoo import load_model_for_inference
from ..zoo.focus_inference import focus_probability
from .plane_spacing import PlaneSpacingWarning, plane_spacing_mismatch
from .result import Result
from .verb_arguments import COMMON_ARGUMENTS

METHODS = ("weak", "cnn")
RULES = ("depth_of_field", "ratio")
DEFAULT_MODEL = "focus-widefield"
DEFAULT_PROBABILITY = 0.5
MIN_PLANES = 3
ARGUMENTS = {
    **COMMON_ARGUMENTS,
    "method": Choice(METHODS, {"weak_labels": "weak", "classical": "weak", "unet": "cnn"}),
    "measure": Choice(tuple(MEASURES)),
    "model": Text(optional=True, path=True),
    "rule": Choice(RULES, {"dof": "depth_of_field", "depth": "depth_of_field"}, optional=True),
    "threshold": Number(above=0, below=1, optional=True,
                        hint=f"weak, depth-of-field rule: the fraction of the depth of field "
                             f"around each pixel's depth (default {DEFAULT_DEPTH_FRACTION}); "
                             f"ratio rule: the fraction of a pixel's best focus (default "
                             f"{DEFAULT_RATIO}); cnn: the probability a pixel must reach in some "
                             f"slice (default 0.5)"),
}


@declare_arguments(ARGUMENTS)
def segment_focus(
    stack,
    method: str = "weak",
    *,
    axes: Optional[str] = "ZYX",
    optics: Optional[Optics] = None,
    measure: str = DEFAULT_MEASURE,
    model: Optional[str | Path] = None,
    rule: Optional[str] = None,
    threshold: Optional[float] = None,
    device: str = "auto",
    progress: Optional[ProgressCallback] = None,
    cancel: Optional[CancelLike] = None,
) -> Result:
    """Segment the in-focus pixels of every slice of ``stack`` (axes with Z: ZYX, TZYX, CZYX …).

    ``.image`` is a boolean mask like the stack; ``.extras``: ``depth_index`` (the input's shape
    without Z; the best plane, −1 where nothing is ever in focus), ``depth_nm`` (sub-plane, NaN
    there; needs ``optics.z_step_nm``, else in planes under ``depth_planes``), ``all_in_focus``
    and, for ``cnn``, ``probability``. ``rule`` (weak labels): ``"depth_of_field"`` — slice k
    when |k − depth| ≤ threshold · DOF / Δz, DOF from ``optics`` — or ``"ratio"``; default the
    former when ``optics.z_step_nm`` is given. ``cnn``: slice k when the probability reaches
    ``threshold`` in some slice and |k − depth| ≤ DOF / 2Δz, the depth where the probability
    crosses 0.5 either side of its peak. ``threshold``: see the argument's hint;
    ``measure``: the classical focus measure (`classical.focus_measures.MEASURES`); ``model``:
    the network (default the shipped ``focus-widefield``), which needs ``optics.z_step_nm``
    (it reads the depth of field in planes).
    """
    started = time.perf_counter()
    if method == "weak" and model is not None:
        raise InvalidInput("model= belongs to method='cnn'; the weak labels use no network")
    if method == "cnn" and rule is not None:
        raise InvalidInput("rule= belongs to method='weak'; the network's threshold is a "
                           "probability")
    parameters = focus_parameters(method, measure, rule, threshold, optics)
    depth_of_field = network_depth_of_field(optics) if method == "cnn" else None
    rule, cut = parameters["rule"], parameters["threshold"]
    loop = _focal_loop(stack, axes)
    planes = loop.spatial_shape[0]
    torch_device = select_device(device)
    network = (load_model_for_inference(model or DEFAULT_MODEL, torch_device)
               if method == "cnn" else None)
    mismatch = plane_spacing_mismatch(network.card, optics) if network else None
    if mismatch:
        warnings.warn(mismatch, PlaneSpacingWarning, stacklevel=3)
    label_optics = optics if rule == "depth_of_field" else None
    reporter = ProgressReporter(loop.n_blocks * planes * 3, progress, cancel)
    flat_shape = tuple(s for a, s in zip(loop.axes, stack.shape) if a != "Z")
    mask = np.zeros(tuple(stack.shape), dtype=bool)
    depth_index = np.full(flat_shape, -1, dtype=np.int32)
    depth = np.full(flat_shape, np.nan, dtype=np.float32)
    all_in_focus = np.zeros(flat_shape, dtype=np.float32)
    probability = np.zeros(tuple(stack.shape), dtype=np.float32) if network else None
    with device_job(torch_device), reuse_freed_memory():
        for index in np.ndindex(*loop.loop_shape):
            selection = loop.selection(index)
            block = stack[selection]  # a view (numpy) or lazy (dask): read slice by slice
            _check_slices(block, reporter)
            peak = focus_peak(block, measure, step=reporter.step)
            if network is None:  # written into the mask in place: no second full-size copy
                weak_labels(block, measure, ratio=cut, peak=peak, step=reporter.step,
                            out=mask[selection], optics=label_optics, depth_fraction=cut)
                focused, sharpest, nearest = focused_pixels(peak), peak.depth, peak.index
            else:
                chance = focus_probability(network, block, depth_of_field, reporter)
                probability[selection] = chance
                # the depth-of-field rule its labels were made by, on its own depth
                mask[selection], sharpest, focused = in_focus_from_probability(
                    chance, depth_of_field, cut)
                nearest = np.clip(np.rint(sharpest), 0, planes - 1)
            flat = tuple(s for a, s in zip(loop.axes, selection) if a != "Z")
            depth_index[flat] = np.where(focused, nearest, -1)
            depth[flat] = np.where(focused, sharpest, np.nan)
            all_in_focus[flat] = peak.all_in_focus
    reporter.finish()
    step_nm = optics.z_step_nm if optics is not None else None
    extras = {"depth_index": depth_index, "all_in_focus": all_in_focus}
    extras["depth_nm" if step_nm else "depth_planes"] = depth * step_nm if step_nm else depth
    if probability is not None:
        extras["probability"] = probability
    return Result(image=mask, extras=extras, metadata={
        "method": method, "axes": loop.axes, "spatial_axes": "ZYX", "measure": measure,
        "parameters": parameters,
        "model": network.card.name if network else None,
        "optics": optics.to_dict() if optics is not None else None,
        "z_step_nm": step_nm, "device": str(torch_device),
        "seconds": time.perf_counter() - started})


def focus_parameters(method: str, measure: str, rule: Optional[str], threshold: Optional[float],
                     optics: Optional[Optics]) -> dict:
    """The measure, rule and threshold a call uses, defaults filled in: the verb's metadata,
    and the chunked path's, which must say the same."""
    rule = _label_rule(method, rule, optics)
    cut = threshold if threshold is not None else {
        "depth_of_field": DEFAULT_DEPTH_FRACTION, "ratio": DEFAULT_RATIO, None:
        DEFAULT_PROBABILITY}[rule]
    return {"threshold": cut, "measure": measure, "rule": rule}


def network_depth_of_field(optics: Optional[Optics]) -> float:
    """DOF / Δz, the in-focus network's last input channel: it needs the plane spacing."""
    if optics is None or optics.z_step_nm is None:
        raise InvalidInput("the in-focus network needs the microscope, since it reads the depth "
                           "of field in planes: give optics=Optics(na=…, wavelength_nm=…, "
                           "pixel_size_nm=…, refractive_index=…, z_step_nm=…), or segment with "
                           "method='weak' (its ratio rule needs no optics)")
    return depth_of_field_planes(optics)


def _label_rule(method: str, rule: Optional[str], optics: Optional[Optics]) -> Optional[str]:
    """The weak labels' rule (None for the network): the depth of field where it is known."""
    if method == "cnn":
        return None
    known = optics is not None and optics.z_step_nm is not None
    if rule == "depth_of_field" and not known:
        raise InvalidInput("rule='depth_of_field' needs the microscope: give optics=Optics(na=…, "
                           "wavelength_nm=…, pixel_size_nm=…, refractive_index=…, z_step_nm=…), "
                           "or use rule='ratio'")
    return rule or ("depth_of_field" if known else "ratio")


def _focal_loop(stack, axes) -> SpatialLoop:
    """The loop over a stack's ZYX blocks, refusing what is not a focal stack of ≥ 3 planes."""
    check_image(stack, "stack")
    if stack.ndim == 2 or (axes is not None and "Z" not in axes.upper()):
        raise InvalidInput(
            f"segment_focus needs a focal stack (axes with Z, e.g. 'ZYX'), got a 2-D image "
            f"of shape {tuple(stack.shape)} with axes {axes!r}: load all planes of the stack")
    loop = SpatialLoop(stack, axes, 3)
    planes = loop.spatial_shape[0]
    if planes == 1:
        raise InvalidInput("the stack has a single plane: focus is found by comparing planes; "
                           f"give at least {MIN_PLANES} planes along Z")
    if planes < MIN_PLANES:
        raise InvalidInput(f"the stack has {planes} planes along Z; at least {MIN_PLANES} are "
                           "needed to tell the plane of best focus from its neighbours")
    return loop


def _check_slices(block, reporter: ProgressReporter) -> None:
    """Refuse NaN or Inf before any work, reading one slice at a time (no full-size mask)."""
    for k in range(block.shape[0]):
        check_finite(np.asarray(block[k]), "stack")
        reporter.step(f"checked slice {k + 1}/{block.shape[0]}")

