"""The ``fine_tune`` verb: adapt a model to your own images — or train one — and save it to the zoo.

Noise2Void learns from the noisy images alone; CARE, m-rBCR and s-rBCR from (input, target)
pairs; the in-focus network from focal stacks alone, with weak labels computed from them.
Patches are read lazily from numpy, memmap or dask arrays, so a long time-lapse trains in the
memory of a few batches. The saved model (safetensors + card + loss log) appears in every
model picker, and its card says what it started from, the data's pixel size, and how the run went.

Stopping (``cancel``, the time budget) keeps the best validated weights and saves them like a
finished run; the result's ``stop_reason`` says why it ended. The starting model's own weights
are validated first and compete: a run that only makes them worse saves them unchanged, and the
card's ``metrics["best_step"]`` is 0. Only a run cancelled before its
first step saves nothing: it raises :class:`Cancelled`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import torch

from ..engine.arguments import Choice, Number, Text, declare_arguments
from ..engine.device import select_device
from ..engine.progress import CancelLike, Cancelled, ProgressCallback
from ..engine.validation import InvalidInput
from ..optics import Optics
from ..classical.focus import weak_labels
from ..engine.axes import SpatialLoop
from ..engine.progress import ProgressReporter
from ..training.fine_tuning import (DEFAULT_START, MIN_PATCH, PAIRED, family_recipe,
                                    fine_tune_settings, resolve_start, starting_network)
from ..training.loop import fit
from ..training.objectives import OBJECTIVES
from ..training.records import record_fit, save_trained
from ..training.focal_sampler import FocalPatchSampler
from ..training.samplers import Normalisation, PatchSampler
from ..training.user_data import (as_image_list, check_training_images, hold_out,
                                  validation_batches)
from ..zoo import FAMILIES, LoadedModel, ModelCard, ZooEntry
from ..zoo.card import check_model_name
from ..zoo.families import family as family_info
from ..zoo.focus_inference import input_planes
from .segment_focus import MIN_PLANES, network_depth_of_field
from .verb_arguments import COMMON_ARGUMENTS

ARGUMENTS = {
    "axes": COMMON_ARGUMENTS["axes"],
    "optics": COMMON_ARGUMENTS["optics"],
    "device": COMMON_ARGUMENTS["device"],
    "family": Choice(tuple(FAMILIES)),
    "start": Text(optional=True, path=True),
    "name": Text(),
    "out": Text(optional=True, path=True),
    "validation_fraction": Number(at_least=0, below=1, hint="0.1 holds out a tenth, 0 none"),
    "patch": Number(at_least=MIN_PATCH, integer=True, optional=True),
    "batch_size": Number(at_least=1, integer=True, optional=True),
    "steps": Number(at_least=1, integer=True, optional=True),
    "learning_rate": Number(above=0, at_most=1, optional=True, hint="e.g. 0.0004"),
    "task": Text(optional=True),
    "pixel_size_nm": Number(at_least=1, optional=True,
                            hint="the data's pixel size in nanometres (e.g. 65, not 0.065)"),
    "seed": Number(at_least=0, integer=True),
    "time_budget_s": Number(above=0, optional=True, hint="seconds, or None for no limit"),
}


@dataclass
class FineTuneResult:
    """The saved model, its loss history (one record per validation) and why training stopped."""

    entry: ZooEntry
    model: LoadedModel  # the trained network, on the CPU, ready to predict
    history: list[dict]
    stop_reason: str  # "steps" | "early stop" | "time budget" | "cancelled"

    @property
    def card(self) -> ModelCard:
        return self.entry.card


@declare_arguments(ARGUMENTS)
def fine_tune(
    inputs,
    targets=None,
    *,
    family: str = "n2v",
    start: Optional[str | Path] = DEFAULT_START,
    name: str = "my-model",
    out: Optional[str | Path] = None,
    validation=None,
    validation_targets=None,
    validation_fraction: float = 0.1,
    patch: Optional[int] = None,
    batch_size: Optional[int] = None,
    steps: Optional[int] = None,
    learning_rate: Optional[float] = None,
    task: Optional[str] = None,
    axes: Optional[str] = None,
    pixel_size_nm: Optional[float] = None,
    optics: Optional[Optics] = None,
    seed: int = 0,
    device: str = "auto",
    progress: Optional[ProgressCallback] = None,
    on_validation: Optional[Callable[[dict], None]] = None,
    cancel: Optional[CancelLike] = None,
    time_budget_s: Optional[float] = None,
) -> FineTuneResult:
    """Train a ``family`` model on ``inputs`` (and ``targets``) and save it as ``name``.

    ``inputs``/``targets``: an array or a list of arrays (numpy, memmap, dask), each a 2-D image
    or a stack whose leading axes are frames (``axes`` as in the other verbs, e.g. "TYX"); pairs
    share shapes. ``start``: ``"shipped"`` (the family's shipped model), a zoo name or model
    folder, None for fresh weights, or ``"default"``: fresh for N2V, shipped for the others
    (``training.fine_tuning.resolve_start``, as the CLI and the Train dock). Validation:
    ``validation`` (and ``validation_targets``) arrays, else ``validation_fraction`` of the
    data held out (last frames of a stack, a bottom stripe of a single image; 0 validates on the
    training loss). ``patch``, ``batch_size``, ``steps`` and ``learning_rate`` default to the
    family's recipe (a smaller batch on a CPU).
    ``out``: the model folder (default: the user's models folder). ``pixel_size_nm``: the data's
    sampling, recorded on the card so pickers can check it. ``optics`` (family ``focus``,
    required): the focal stacks' microscope with ``z_step_nm``; it labels them by the
    depth-of-field rule (`classical.focus`) and gives the network its depth-of-field channel.
    ``progress(step, total, message)``
    and ``on_validation(record)`` report as training goes; ``cancel`` and ``time_budget_s`` stop
    it early, keeping the best weights.
    """
    _check_family_data(family, targets)
    start = resolve_start(family, start)
    focal = bool(family_recipe(family).planes)
    if optics is not None and not focal:
        raise InvalidInput("optics= labels focal stacks (family='focus'); for the other families "
                           "give the data's pixel_size_nm")
    depth_of_field = network_depth_of_field(optics) if focal else 0.0
    check_model_name(name)  # before training: a name that cannot be saved must not cost a run
    device = select_device(device)
    patch, config = fine_tune_settings(family, start is not None, device, patch, batch_size,
                                       steps, learning_rate, time_budget_s, seed)
    inputs = as_image_list(inputs, "training images")
    targets = as_image_list(targets, "targets") if targets is not None else None
    check_training_images(inputs, targets, axes)
    if focal:
        inputs, targets = _stacks_with_weak_labels(inputs, axes, optics, progress, cancel)
    split = hold_out(inputs, targets, 0.0 if validation is not None else validation_fraction,
                     patch, stacks=focal)
    if validation is not None:
        split.held_out = _validation_pieces(family, validation, validation_targets, axes)
        if focal:
            split.held_out = list(zip(*_stacks_with_weak_labels(
                [image for image, _ in split.held_out], axes, optics, progress, cancel)))
    net, card = starting_network(family, start, task, seed)
    if card.task == "phase":
        raise InvalidInput(f"{start} is a phase model, conditioned on defocus planes and their "
                           "TIE phase rather than one image; continue it on simulated stacks "
                           "with napari-inverse train --recipe zmd-phase-2plane (or "
                           f"zmd-phase-rgb) --init-from {start}")
    scaling = Normalisation(card.normalisation)
    planes = input_planes(card.architecture) if focal else 0
    if focal:
        sampler = FocalPatchSampler(split.inputs, split.targets, planes, patch, depth_of_field,
                                    scaling, seed=seed)
    else:
        sampler = PatchSampler(split.inputs, split.targets, (patch, patch), scaling, seed=seed)
    checks = validation_batches(split.held_out, patch, min(config.batch_size, 32),
                                planes=planes, normalisation=scaling,
                                depth_of_field_planes=depth_of_field)
    result = fit(net, OBJECTIVES[family], sampler, checks, config, device, progress=progress,
                 cancel=cancel, on_validation=on_validation, keep_start_if_best=start is not None)
    if result.steps == 0:
        raise Cancelled("cancelled before the first training step; no model was saved")
    card.name, card.pixel_size_nm = name, pixel_size_nm
    if pixel_size_nm is not None:
        card.nyquist_fraction = None  # trained for this sampling, not the start's range
    card.description = _description(card, sampler.n_frames)
    card.metrics["validation"] = _validation_note(validation, validation_fraction)
    record_fit(card, result, config, patch, device)
    entry = save_trained(net, card, result.history, Path(out) if out is not None else None)
    return FineTuneResult(entry, LoadedModel(net.eval(), card, torch.device("cpu")),
                          result.history, result.stop_reason)


def _stacks_with_weak_labels(stacks: list, axes, optics: Optics, progress, cancel
                             ) -> tuple[list, list]:
    """The focal stacks (Z last before YX) and their weak labels (`classical.focus`, by the
    depth-of-field rule of ``optics``), computed here from the stacks themselves: the in-focus
    network fine-tunes without annotation."""
    loops = [SpatialLoop(stack, axes, 3) for stack in stacks]
    for k, loop in enumerate(loops):
        if loop.spatial_shape[0] < MIN_PLANES:
            raise InvalidInput(f"stack {k} has {loop.spatial_shape[0]} planes; the in-focus "
                               f"network needs focal stacks of at least {MIN_PLANES} planes "
                               "along Z")
    reporter = ProgressReporter(sum(loop.n_blocks for loop in loops), progress, cancel)
    labels = []
    for loop in loops:
        mask = np.zeros(loop.image.shape, dtype=bool)
        for index in np.ndindex(*loop.loop_shape):
            selection = loop.selection(index)
            mask[selection] = weak_labels(loop.image[selection], optics=optics)[0]
            reporter.step("weak labels of the training stacks")
        labels.append(mask)
    return stacks, labels


def _check_family_data(family_name: str, targets) -> None:
    title = family_info(family_name).title
    if family_name == "focus" and targets is not None:
        raise InvalidInput(f"the {title} learns from weak labels computed from the focal stacks "
                           "themselves: drop the targets")
    if family_name == "focus":
        return
    if family_name in PAIRED and targets is None:
        raise InvalidInput(f"{title} learns from (input, target) pairs: give targets, or choose "
                           "family='n2v', which learns from noisy images alone")
    if family_name not in PAIRED and targets is not None:
        raise InvalidInput(f"{title} learns from the noisy images alone: drop the targets, or "
                           "choose family='care' to learn from the pairs")


def _validation_pieces(family_name: str, validation, validation_targets, axes) -> list[tuple]:
    images = as_image_list(validation, "validation images")
    if (family_name in PAIRED) != (validation_targets is not None):
        raise InvalidInput("give validation_targets with validation images exactly when the "
                           "training has targets")
    targets = (as_image_list(validation_targets, "validation targets")
               if validation_targets is not None else None)
    check_training_images(images, targets, axes, "validation image")
    return list(zip(images, targets or [None] * len(images)))


def _description(card: ModelCard, frames: int) -> str:
    origin = f"fine-tuned from {card.base_model}" if card.base_model else "trained from scratch"
    return (f"{family_info(card.family).title} {card.task} model {origin} on {frames} user "
            f"image{'s' if frames != 1 else ''} (2-D frames)")


def _validation_note(validation, fraction: float) -> str:
    if validation is not None:
        return "validation images given by the user"
    if fraction == 0:
        return "none held out; the running training loss chose the best weights"
    return f"{fraction:.0%} held out (last frames of each stack, or a bottom stripe of an image)"
