"""Run a recipe end to end: simulated pools → fit → validation figures → safetensors + card.

The card records what was actually done (steps reached, wall time, hardware) and the model's
PSNR on full validation images in photo-electrons, measured the way the benchmark measures.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import torch

from ..engine.device import select_device
from ..engine.memory import reuse_freed_memory
from ..engine.progress import CancelLike
from ..classical.focus import depth_of_field_planes, weak_labels
from ..classical.focus_from_probability import in_focus_from_probability
from ..metrics import iou, phase_rmse, psnr
from ..optics import Optics
from ..simulate.pairs import SR_PIXEL_SCALE, focus_pair
from ..zoo import LoadedModel, ModelCard
from ..zoo.focus_inference import DEPTH_OF_FIELD_SCALE, focus_probability
from ..zoo.inference import apply_model
from .fine_tuning import fresh_network, starting_network
from .focal_sampler import FocalPatchSampler, pool_depths_of_field
from .loop import fit
from .objectives import OBJECTIVES, cvdm_physics_objective
from .phase_sampler import PhasePatchSampler
from .psf_patches import PSFPatchSampler, pool_psfs
from .recipes import Recipe
from .records import record_fit, save_trained
from .samplers import Normalisation, PatchSampler
from .self_training import self_trained_targets
from .simulated import TRAINING_SEED_BASE, VALIDATION_SEED_BASE, cached_pool

Say = Callable[[str], None]


def run_recipe(recipe: Recipe, out_dir: Path, device: str = "auto", workers: int = 1,
               pool_dir: Optional[Path] = None, progress=None, cancel: Optional[CancelLike] = None,
               say: Say = print, init_from: Optional[str] = None) -> ModelCard:
    """Train ``recipe`` into ``out_dir`` (resuming from its checkpoint there) and save the model.

    ``init_from`` (a zoo name or model folder of the same family) starts from trained weights
    instead of a fresh initialisation, with the recipe's continuation settings where it has them:
    how a model trained in one session continues in the next. The network and its input scaling
    are the recipe's, the weights the start's (so a recipe can change the scaling or batch-norm
    momentum of a model it continues). The card then lists the starting model's training runs
    before this one (``card.stages``).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    device = select_device(device)
    say(f"{recipe.name}: building pools ({recipe.pool_images} + {recipe.validation_images} "
        f"simulated {recipe.task} pairs of {recipe.pool_shape[0]}²)")
    train_in, train_target = cached_pool(recipe.task, recipe.pool_images, recipe.pool_shape,
                                         TRAINING_SEED_BASE, pool_dir, workers, recipe.ranges)
    val_in, val_target = cached_pool(recipe.task, recipe.validation_images, recipe.pool_shape,
                                     VALIDATION_SEED_BASE, pool_dir, workers, recipe.ranges)
    self_training = bool(init_from) and recipe.self_training
    if self_training:
        say(f"{recipe.name}: self-training: the pools' targets are {init_from}'s own masks")
        train_target, val_target = (
            self_trained_targets(init_from, inputs, first_seed, recipe.ranges, pool_dir, device)
            for inputs, first_seed in ((train_in, TRAINING_SEED_BASE),
                                       (val_in, VALIDATION_SEED_BASE)))
    settings = recipe.settings(continuing=bool(init_from))
    card = _card(recipe)
    if init_from:
        trained, start = starting_network(recipe.family, init_from, recipe.task, settings.seed)
        # the recipe's network (its batch-norm momentum, say) with the start's weights
        net = fresh_network(recipe.family, recipe.architecture, settings.seed)
        try:
            net.load_state_dict(trained.state_dict())
        except RuntimeError:
            raise ValueError(f"{init_from} has another architecture than {recipe.name} "
                             f"trains") from None
        card.base_model, card.stages = str(init_from), start.stages
        # the n-th continuation of a model samples with the continuation's seed + n − 1, so no
        # continuation replays the patches of an earlier one
        settings = replace(settings, seed=settings.seed + max(len(start.stages) - 1, 0))
        origin = start.stages[-1]["sha256"] if start.stages else str(init_from)
    else:
        origin = "fresh"
        net = fresh_network(recipe.family, recipe.architecture, settings.seed)
    masks, phase = recipe.task == "focus", recipe.task == "phase"
    objective = OBJECTIVES[recipe.family]
    if recipe.physics_weight:
        objective = cvdm_physics_objective(recipe.physics_weight)
        sampler = PSFPatchSampler(train_in, train_target, recipe.patch_shape, pool_psfs(
            TRAINING_SEED_BASE, len(train_in), recipe.patch, recipe.ranges), seed=settings.seed)
        checks = PSFPatchSampler(val_in, val_target, recipe.patch_shape, pool_psfs(
            VALIDATION_SEED_BASE, len(val_in), recipe.patch, recipe.ranges))
    else:
        sampler = recipe_sampler(recipe, train_in, train_target, seed=settings.seed)
        checks = recipe_sampler(recipe, val_in, val_target, first_seed=VALIDATION_SEED_BASE)
    validation = checks.fixed_batches(recipe.validation_patches, min(settings.batch_size, 64))
    result = fit(net, objective, sampler, validation, settings, device,
                 checkpoint=out_dir / "checkpoint.pt", progress=progress, cancel=cancel,
                 on_validation=lambda r: say(f"{recipe.name}: step {r['step']} train "
                                             f"{r['train_loss']:.4g} validation "
                                             f"{r['validation_loss']:.4g} ({r['seconds']:.0f} s)"),
                 start=origin, keep_start_if_best=bool(init_from))
    say(f"{recipe.name}: stopped after {result.steps} steps ({result.stop_reason}), "
        f"{result.wall_time_s:.0f} s on {result.device}")
    if masks:
        card.metrics = validation_iou(net, card, recipe, device)
    elif phase:
        card.metrics = validation_phase_rmse(net, val_in, val_target, device)
    else:
        card.metrics = {"validation_psnr_db": validation_psnr(net, card, val_in, val_target,
                                                              device)}
    card.metrics["validation_images"] = (f"{recipe.validation_images} simulated "
                                         f"{recipe.pool_shape[0]}² images, seeds from "
                                         f"{VALIDATION_SEED_BASE}")
    record_fit(card, result, settings, recipe.patch, device)
    if self_training:
        card.stages[-1]["targets"] = f"self-training: the masks of {origin}"
    save_trained(net, card, result.history, out_dir)
    figure = {key: round(value, 3) for key, value in card.metrics.items()
              if isinstance(value, float)}
    say(f"{recipe.name}: {figure} → {out_dir / (recipe.name + '.safetensors')}")
    return card


def recipe_sampler(recipe: Recipe, inputs, targets, seed: int = 0, patch: Optional[int] = None,
                   first_seed: int = TRAINING_SEED_BASE):
    """The patch sampler of a recipe's pool (simulated from ``first_seed`` on): (condition,
    phase) patches for the phase models, slices with their neighbours and depth of field for
    the in-focus network, normalised patches of same-shaped pairs for the others."""
    patch = patch or recipe.patch
    if recipe.task == "phase":
        return PhasePatchSampler(inputs, targets, patch, seed=seed)
    if recipe.task == "focus":
        return FocalPatchSampler([inputs], [targets], recipe.planes, patch, pool_depths_of_field(
            first_seed, len(inputs), recipe.ranges), Normalisation(recipe.normalisation),
            seed=seed)
    return PatchSampler([inputs], [targets], replace(recipe, patch=patch).patch_shape,
                        Normalisation(recipe.normalisation), seed=seed)


def validation_psnr(net, card: ModelCard, inputs, targets, device) -> float:
    """Mean PSNR (dB, target's range) of the model over whole validation images; a constant
    target (a field inside one nucleus) has no range and is left out."""
    model = LoadedModel(net.to(device).eval(), card, device)
    with reuse_freed_memory():
        scores = [psnr(np.asarray(t), apply_model(model, np.asarray(x))[0])
                  for x, t in zip(inputs, targets) if np.ptp(t) > 0]
    net.to("cpu")
    return float(np.mean(scores))


def validation_iou(net, card: ModelCard, recipe: Recipe, device) -> dict:
    """Mean IoU with the TRUE in-focus masks of the validation stacks (never trained on) of the
    network's masks as the verb makes them and of the weak labels."""
    model = LoadedModel(net.to(device).eval(), card, device)
    network, weak = [], []
    for seed in range(VALIDATION_SEED_BASE, VALIDATION_SEED_BASE + recipe.validation_images):
        pair = focus_pair(seed, recipe.pool_shape, ranges=recipe.ranges)
        optics = Optics(**pair.metadata["optics"])
        depth_of_field = depth_of_field_planes(optics)
        chance = focus_probability(model, pair.input, depth_of_field)
        network.append(iou(pair.target, in_focus_from_probability(chance, depth_of_field)[0]))
        weak.append(iou(pair.target, weak_labels(pair.input, optics=optics)[0]))
    net.to("cpu")
    return {"validation_iou": float(np.mean(network)), "weak_label_iou": float(np.mean(weak))}


def validation_phase_rmse(net, conditions, phases, device) -> dict:
    """Mean piston-free RMSE (rad) over whole validation images of the mean network and of the
    TIE phase it is given (the condition's last channel)."""
    net = net.to(device).eval()
    with torch.inference_mode():
        means = [net(torch.as_tensor(np.array(c))[None].to(device))[0, 0].cpu().numpy()
                 for c in conditions]
    net.to("cpu")
    return {"validation_rmse_rad": float(np.mean([phase_rmse(t, m)
                                                  for t, m in zip(phases, means)])),
            "validation_tie_rmse_rad": float(np.mean([phase_rmse(t, np.asarray(c[-1]))
                                                      for t, c in zip(phases, conditions)]))}


def _card(recipe: Recipe) -> ModelCard:
    ranges = recipe.ranges
    if recipe.task == "phase":
        planes = ("two planes at ∓dz" if ranges.planes == "2plane"
                  else "one RGB exposure, channels R, G, B")
        return ModelCard(
            name=recipe.name, family=recipe.family, task=recipe.task,
            architecture=dict(recipe.architecture), description=recipe.description,
            modality="brightfield, Köhler illumination",
            optics={**ranges.to_card(), "n_medium": 1.0,
                    "input": f"{planes}; the condition is each plane's contrast (plane / mean "
                             "− 1) and their TIE phase (rad)"},
            normalisation={"kind": "mean_std", "mean": 0.0, "std": 1.0}, recipe=recipe.name)
    if recipe.task == "focus":
        return ModelCard(
            name=recipe.name, family=recipe.family, task=recipe.task,
            architecture=dict(recipe.architecture), description=recipe.description,
            modality="widefield focal stacks", nyquist_fraction=tuple(ranges.nyquist_fraction),
            optics={"na": list(ranges.na), "wavelength_nm": list(ranges.wavelength_nm),
                    "photons": list(ranges.photons), "background": list(ranges.background),
                    "z_step_fraction_of_depth_of_field": list(ranges.z_step_fraction),
                    "scenes": list(ranges.scenes), "psf": "widefield, scalar (Born–Wolf)",
                    "input": f"{recipe.planes} neighbouring slices (2.5-D) and the depth of "
                             f"field in planes (DOF / Δz × {DEPTH_OF_FIELD_SCALE}) as a constant "
                             "last channel; needs the optics with the plane spacing"},
            recipe=recipe.name)
    return ModelCard(
        name=recipe.name, family=recipe.family, task=recipe.task,
        architecture=dict(recipe.architecture), description=recipe.description,
        normalisation=dict(recipe.normalisation),
        nyquist_fraction=tuple(f * (SR_PIXEL_SCALE if recipe.task == "super_resolution" else 1)
                               for f in ranges.nyquist_fraction),
        optics={"na": list(ranges.na), "wavelength_nm": list(ranges.wavelength_nm),
                "photons": list(ranges.photons), "background": list(ranges.background),
                "psf": "widefield, vectorial (Richards–Wolf)",
                "camera": "sCMOS, 1.6 e⁻ read noise"},
        recipe=recipe.name)
