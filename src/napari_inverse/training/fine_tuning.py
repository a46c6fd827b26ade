"""Where fine-tuning starts and how hard it trains: the starting network and the defaults.

Each family starts by default from its shipped model, N2V from fresh weights
(:func:`resolve_start`), and its hyper-parameters default to the shipped model's recipe
(references.md): N2V 64² patches at 4e-4, CARE 128² at 4e-4, the rBCRs 128² at 1e-3. Three
things differ (the measurements behind each are in ``docs/architecture.md``,
fine-tuning on the user's images):

- On a CPU the batch is 16, so the loss plot, Stop and the time budget answer every second or
  so at the same pixels per second.
- A trained start keeps its batch-norm statistics (the network it starts from is then exactly
  the shipped one) and learns at the recipe's rate scaled by batch / recipe batch; without both
  fine-tuning first undid the shipped model. The in-focus network learns at a quarter of its
  recipe's rate: on stacks like its training ones its weak labels are worse than it is, and at
  the full rate it drifted towards them (the rate sweep is in docs/benchmarks.md, focus notes).
- N2V from scratch learns at 2e-3 (faster than 1e-3, which beat the recipe's 4e-4), from inputs
  standardised by their mean and standard deviation, with PyTorch's initial weights and its
  batch-norm momentum (as CAREamics does): 20 steps then gain +6 to +7 dB where the recipe's
  percentile scaling and Keras initialisation gained nothing, and a short run's output keeps
  the image's contrast (docs/benchmarks.md, Noise2Void against CAREamics).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Optional

import torch

from ..engine.normalisation import MEAN_STD
from ..engine.validation import InvalidInput
from ..zoo import ModelCard, build_network, family, load_model
from .loop import FitConfig
from .recipes import RECIPES, Recipe
from .records import lineage

SHIPPED = "shipped"  # ``start`` value: the family's shipped model
DEFAULT_START = "default"  # ``start`` value: the family's usual start (see resolve_start)
# Families that start from fresh weights unless told otherwise, in fine_tune, `train --model` and
# the Train dock alike: on a user's real image N2V from scratch beat fine-tuning the shipped model
# at CAREamics' time budget (docs/benchmarks.md, Noise2Void against CAREamics).
FRESH_BY_DEFAULT = ("n2v",)
STARTS = {"n2v": "n2v-fluorescence", "care": "care-denoise", "mrbcr": "mrbcr-widefield",
          "srbcr": "srbcr-widefield", "focus": "focus-widefield", "cvdm": "cvdm-widefield-sr",
          "zmd": "zmd-widefield-sr"}  # ZMD on image pairs: super-resolution (phase: its recipes)
PAIRED = ("care", "mrbcr", "srbcr", "cvdm", "zmd")  # families learning from (input, target) pairs
CPU_BATCH = 16
SCRATCH_LEARNING_RATE = {"n2v": 2e-3}
PRETRAINED_RATE_FACTOR = {"focus": 0.25}  # × the recipe's rate × batch / recipe batch
# (architecture changes, normalisation) of a network trained from scratch
SCRATCH_SETUP = {"n2v": ({"initialisation": "pytorch", "batch_norm_momentum": 0.1}, MEAN_STD)}
DEFAULT_STEPS = 1000
MIN_PATCH = 16


def family_recipe(family_name: str) -> Recipe:
    """The recipe of the family's shipped model: default architecture, task and settings."""
    family(family_name)  # unknown names fail with the list of known ones
    if family_name not in STARTS:
        raise InvalidInput(f"fine-tuning does not know the {family_name!r} family yet; "
                           f"choose one of {', '.join(STARTS)}")
    return RECIPES[STARTS[family_name]]


def resolve_start(family_name: str, start: Optional[str | Path]) -> Optional[str | Path]:
    """``start`` with :data:`DEFAULT_START` replaced by the family's own: None (fresh weights)
    for the families in :data:`FRESH_BY_DEFAULT`, :data:`SHIPPED` for the others."""
    if isinstance(start, str) and start == DEFAULT_START:
        return None if family_name in FRESH_BY_DEFAULT else SHIPPED
    return start


def fresh_network(family_name: str, architecture: dict, seed: int) -> torch.nn.Module:
    """An untrained network whose initial weights depend on ``seed`` alone, so a card's seed
    reproduces the run (the process's random state is left as it was)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build_network(family_name, architecture)


def starting_network(family_name: str, start: Optional[str | Path], task: Optional[str],
                     seed: int) -> tuple[torch.nn.Module, ModelCard]:
    """The network to train and a card template (family, task, architecture, base model).

    ``start`` is :data:`SHIPPED`, a zoo name or model folder, or None for fresh weights (drawn
    from ``seed``, so a run is repeatable).
    """
    recipe = family_recipe(family_name)
    if start == SHIPPED:
        start = recipe.name
    if start is None:
        changes, normalisation = SCRATCH_SETUP.get(family_name, ({}, None))
        architecture = {**recipe.architecture, **changes}
        card = ModelCard(name="", family=family_name, task=task or recipe.task,
                         architecture=architecture)
        card.normalisation = dict(normalisation or card.normalisation)
        return fresh_network(family_name, architecture, seed), card
    loaded = load_model(start)
    card = loaded.card
    if card.family != family_name:
        raise InvalidInput(f"{start} is a {card.family} model; fine-tuning {family_name} needs a "
                           f"{family_name} model (or start=None for a new one)")
    if card.architecture.get("ndim", 2) != 2:
        raise InvalidInput(f"{start} is a 3-D network; fine-tuning trains 2-D networks only")
    return loaded.net, ModelCard(name="", family=family_name, task=task or card.task,
                                 architecture=dict(card.architecture), modality=card.modality,
                                 normalisation=dict(card.normalisation),
                                 nyquist_fraction=card.nyquist_fraction,
                                 base_model=str(start), stages=lineage(card))


def fine_tune_settings(family_name: str, pretrained: bool, device: torch.device,
                       patch: Optional[int], batch_size: Optional[int], steps: Optional[int],
                       learning_rate: Optional[float], time_budget_s: Optional[float],
                       seed: int) -> tuple[int, FitConfig]:
    """(patch side, fit configuration): the recipe's adjusted as above, the caller's on top."""
    recipe = family_recipe(family_name)
    patch = recipe.patch if patch is None else int(patch)
    if batch_size is None:
        batch_size = recipe.fit.batch_size if device.type == "cuda" else min(
            CPU_BATCH, recipe.fit.batch_size)
    steps = DEFAULT_STEPS if steps is None else int(steps)
    if learning_rate is None:
        learning_rate = (recipe.fit.learning_rate * min(1.0, batch_size / recipe.fit.batch_size)
                         * PRETRAINED_RATE_FACTOR.get(family_name, 1.0) if pretrained else
                         SCRATCH_LEARNING_RATE.get(family_name, recipe.fit.learning_rate))
    if patch < MIN_PATCH or batch_size < 1 or steps < 1 or not learning_rate > 0:
        raise InvalidInput(f"patch must be at least {MIN_PATCH} pixels and batch size, steps and "
                           f"learning rate positive; got patch {patch}, batch {batch_size}, "
                           f"{steps} steps, learning rate {learning_rate}")
    if time_budget_s is not None and not time_budget_s > 0:
        raise InvalidInput(f"the time budget must be a positive number of seconds, got "
                           f"{time_budget_s}")
    config = dataclasses.replace(
        recipe.fit, steps=steps, batch_size=int(batch_size), learning_rate=learning_rate,
        validate_every=max(10, min(recipe.fit.validate_every, steps // 20)),
        time_budget_s=time_budget_s, seed=seed, freeze_batch_norm=pretrained)
    return patch, config
