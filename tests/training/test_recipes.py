"""Every recipe runs end to end, and every shipped model is the one its card describes."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from napari_inverse.simulate.pairs import MicroscopeRanges, deconvolution_pair
from napari_inverse.training import OBJECTIVES, RECIPES
from napari_inverse.training.records import lineage
from napari_inverse.training.runner import run_recipe
from napari_inverse.training.simulated import TRAINING_SEED_BASE, build_pool, cached_pool
from napari_inverse.zoo import build_network, list_models, load_model

SHIPPED = ("mrbcr-widefield", "srbcr-widefield", "care-widefield", "care-denoise",
           "n2v-fluorescence")


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_each_recipe_has_a_trainable_network(name):
    recipe = RECIPES[name]
    net = build_network(recipe.family, recipe.architecture)
    x = torch.rand(2, 1, *dataclasses.replace(recipe, patch=32).patch_shape)
    target = x.clone()
    if recipe.task == "focus":  # slices and depth of field → the middle slice's mask
        x = torch.rand(2, 1, recipe.architecture["in_channels"], 32, 32)
        target = (torch.rand(2, 1, 1, 32, 32) > 0.5).float()
    if recipe.task == "phase":  # a condition of planes and TIE phase → one phase
        x = torch.rand(2, recipe.architecture["condition_channels"], 32, 32)
        target = x[:, -1:].clone()
    loss = OBJECTIVES[recipe.family](net, x, target, torch.Generator().manual_seed(0))
    loss.backward()
    assert torch.isfinite(loss) and all(p.grad is not None for p in net.parameters())


@pytest.mark.parametrize("name", ["zmd-phase-2plane", "zmd-phase-rgb"])
def test_a_zmd_phase_model_continues_on_a_cosine_not_the_plateau(name):
    """The plateau halved the rate at every noisy validation of the diffusion loss, to below
    1e-6 within an hour; a continuation anneals on a cosine over its own steps instead."""
    recipe = RECIPES[name]
    first, continued = recipe.settings(continuing=False), recipe.settings(continuing=True)
    assert first.schedule == "plateau" and continued.schedule == "cosine"
    assert continued.learning_rate < first.learning_rate and continued.seed != first.seed


def test_models_lists_each_recipe_and_how_it_continues(capsys):
    from napari_inverse.cli import main

    assert main(["models", "--recipes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    first = lines.index(next(line for line in lines if line.startswith("mrbcr-widefield")))
    assert "6000 steps × batch 64, plateau from 0.001, 128² patches" in lines[first]
    assert "continued (--init-from): 600 steps × batch 32, cosine from 0.0005" in lines[first + 1]
    assert len(lines) == len(RECIPES) + sum(bool(r.continuation) for r in RECIPES.values())


def test_train_command_sets_a_recipes_batch_and_rate(monkeypatch, tmp_path):
    """How a GPU continuation trains at its own batch (continue_on_gpu.py): the flags reach both
    the first run's and the continuation's settings, and are not refused as --model only."""
    from napari_inverse.cli import main
    from napari_inverse.training import runner

    chosen = []
    monkeypatch.setattr(runner, "run_recipe", lambda recipe, *a, **k: chosen.append(recipe))
    assert main(["train", "--recipe", "mrbcr-widefield", "--out", str(tmp_path), "--steps",
                 "7", "--batch-size", "128", "--learning-rate", "0.001"]) == 0
    for fit in (chosen[0].fit, chosen[0].continuation):
        assert (fit.steps, fit.batch_size, fit.learning_rate) == (7, 128, 1e-3)
    assert chosen[0].continuation.schedule == "cosine"  # the rest is the recipe's own


def test_a_pool_built_in_process_leaves_the_training_threads_alone():
    """`train --recipe` builds its pool in its own process, then trains there on every core."""
    torch.set_num_threads(2)  # the fixture restores the thread count afterwards
    inputs, targets = build_pool("denoising", 1, (32, 32), TRAINING_SEED_BASE, workers=1)
    assert inputs.shape == targets.shape == (1, 32, 32)
    assert torch.get_num_threads() == 2


def _tiny(name: str, images: int, **fit):
    """The recipe on a few 64² images and 32² patches, so a run takes seconds on a CPU; ``fit``
    overrides both its first run's and its continuation's settings."""
    recipe = RECIPES[name]
    continuation = recipe.continuation and dataclasses.replace(recipe.continuation, **fit)
    return dataclasses.replace(
        recipe, pool_images=images, validation_images=max(1, images // 2),
        validation_patches=images, pool_shape=(64, 64), patch=32,
        fit=dataclasses.replace(recipe.fit, **fit), continuation=continuation)


def test_a_recipe_trains_and_saves_a_loadable_model(tmp_path):
    tiny = _tiny("n2v-fluorescence", 4, steps=3, batch_size=2, validate_every=3)
    card = run_recipe(tiny, tmp_path / "model", "cpu", pool_dir=tmp_path / "pools",
                      say=lambda line: None)
    assert card.steps == 3 and card.sha256 and "CPU" in card.hardware
    assert (tmp_path / "model" / "training_log.json").is_file()
    loaded = load_model(tmp_path / "model")
    assert loaded.card.name == "n2v-fluorescence" and loaded.card.parameter_count == 333_729
    # a second call resumes from the checkpoint: nothing left to do
    again = run_recipe(tiny, tmp_path / "model", "cpu", pool_dir=tmp_path / "pools",
                       say=lambda line: None)
    assert again.steps == 3


def test_a_recipe_draws_its_pools_and_card_from_its_own_microscope_ranges(tmp_path):
    """How a recipe widens the sampling its model serves: pools of other microscopes, cached
    under other names, and a card that says what was trained."""
    fine = MicroscopeRanges(nyquist_fraction=(0.5, 0.6))
    tiny = dataclasses.replace(_tiny("srbcr-widefield", 2, steps=1, batch_size=1), ranges=fine)
    card = run_recipe(tiny, tmp_path / "model", "cpu", pool_dir=tmp_path / "pools",
                      say=lambda line: None)
    assert card.nyquist_fraction == (0.5, 0.6)
    default = cached_pool("deconvolution", 2, (64, 64), TRAINING_SEED_BASE, tmp_path / "pools")
    widened = cached_pool("deconvolution", 2, (64, 64), TRAINING_SEED_BASE, tmp_path / "pools",
                          ranges=fine)
    assert len(list((tmp_path / "pools").glob("*.npy"))) == 6  # 2 default + 4 (train, val) fine
    assert not np.array_equal(default[0], widened[0])  # same seeds, other microscopes
    # the same seed and ranges give the same microscope: finer pixels than the default's
    pair = deconvolution_pair(TRAINING_SEED_BASE, (64, 64), ranges=fine)
    optics = pair.metadata["optics"]
    nyquist = optics["wavelength_nm"] / (4 * optics["na"])
    assert 0.5 <= optics["pixel_size_nm"] / nyquist <= 0.6


def test_a_fresh_run_depends_on_its_seed_alone(tmp_path):
    """The card's seed reproduces the run, whatever the process drew before (initial weights
    included)."""
    tiny = _tiny("n2v-fluorescence", 2, steps=1, batch_size=1, validate_every=1)
    cards = []
    for run in (1, 2):
        torch.manual_seed(run)  # another history of the process's random state
        torch.rand(run)
        cards.append(run_recipe(tiny, tmp_path / f"run{run}", "cpu", pool_dir=tmp_path / "pools",
                                say=lambda line: None))
    assert cards[0].sha256 == cards[1].sha256


def test_a_stopped_run_records_the_steps_it_planned(tmp_path):
    """A cosine anneals over the planned steps, so a run stopped early is reproducible only
    with its plan: the stage records both."""
    import threading

    stop = threading.Event()
    tiny = _tiny("srbcr-widefield", 2, steps=5, batch_size=1, validate_every=100)
    card = run_recipe(tiny, tmp_path / "model", "cpu", pool_dir=tmp_path / "pools",
                      say=lambda line: None, init_from="srbcr-widefield", cancel=stop,
                      progress=lambda step, total, message: step == 2 and stop.set())
    assert card.stages[-1]["steps"] == 2 and card.stages[-1]["planned_steps"] == 5
    assert card.stages[-1]["stop_reason"] == "cancelled"


def test_a_continued_model_takes_the_recipes_network_and_scaling_with_the_starts_weights(
        tmp_path):
    """How a recipe continues a model made otherwise (here: mean/std inputs and batch-norm
    momentum 0.1, as N2V from scratch): the start's weights (rate 0 here) under the recipe's
    network and scaling (n2v-fluorescence: percentiles, Keras' momentum 0.01)."""
    start = tmp_path / "mean-std-start"
    old = dataclasses.replace(_tiny("n2v-fluorescence", 2, steps=1, batch_size=1),
                              normalisation={"kind": "mean_std"},
                              architecture={**RECIPES["n2v-fluorescence"].architecture,
                                            "batch_norm_momentum": 0.1})
    run_recipe(old, start, "cpu", pool_dir=tmp_path / "pools", say=lambda line: None)
    new = _tiny("n2v-fluorescence", 2, steps=1, batch_size=1, learning_rate=0.0)
    card = run_recipe(new, tmp_path / "model", "cpu", pool_dir=tmp_path / "pools",
                      say=lambda line: None, init_from=start)
    continued, before = load_model(tmp_path / "model"), load_model(start)
    assert card.normalisation == continued.card.normalisation == new.normalisation
    assert before.card.normalisation != new.normalisation
    weights = dict(before.net.named_parameters())
    assert all(torch.equal(p, weights[k]) for k, p in continued.net.named_parameters())
    assert {m.momentum for m in continued.net.modules()
            if isinstance(m, torch.nn.BatchNorm2d)} == {0.01}


def test_the_cpu_trained_care_sr_baseline_is_the_one_its_recipe_describes():
    card = load_model("care-widefield-sr").card  # checks the sha256
    recipe = RECIPES["care-widefield-sr"]
    assert card.recipe == recipe.name and card.architecture == recipe.architecture
    assert "CPU" in card.hardware and card.metrics["validation_psnr_db"] > 30
    assert card.parameter_count == sum(p.numel() for p in build_network(
        card.family, card.architecture).parameters())


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_models_load_and_their_cards_say_how_they_were_made(name):
    entry = next(e for e in list_models() if e.name == name and e.source == "shipped")
    assert entry.weights.stat().st_size <= 5 * 1024 * 1024
    card = load_model(name).card  # checks the sha256
    assert card.recipe == name and card.steps > 0 and card.wall_time_s > 0
    stages = lineage(card)
    assert "H200" in stages[0]["hardware"] and card.metrics["validation_psnr_db"] > 30
    assert all(s["steps"] > 0 and s["hardware"] for s in stages)
    assert stages[-1]["steps"] == card.steps
    assert card.parameter_count == sum(p.numel() for p in build_network(
        card.family, card.architecture).parameters())


def test_training_can_continue_from_a_shipped_model(tmp_path):
    tiny = _tiny("srbcr-widefield", 2, steps=1, batch_size=1, learning_rate=0.0)
    card = run_recipe(tiny, tmp_path / "model", "cpu", pool_dir=tmp_path / "pools",
                      say=lambda line: None, init_from="srbcr-widefield")
    assert card.base_model == "srbcr-widefield"
    base = load_model("srbcr-widefield").card
    # the card lists the shipped model's runs, then this one with the continuation's settings
    assert card.stages[:-1] == lineage(base) and card.stages[-2]["sha256"] == base.sha256
    assert card.stages[-1]["schedule"] == "cosine" and card.stages[-1]["steps"] == 1
    # a continuation of the continuation draws other patches: the next seed
    again = run_recipe(tiny, tmp_path / "again", "cpu", pool_dir=tmp_path / "pools",
                       say=lambda line: None, init_from=tmp_path / "model")
    assert [s["seed"] for s in again.stages[1:]] == [tiny.continuation.seed,
                                                      tiny.continuation.seed + 1]
    shipped = load_model("srbcr-widefield").net.state_dict()
    continued = load_model(tmp_path / "model").net.state_dict()
    assert all(torch.equal(shipped[k], continued[k]) for k in shipped)  # learning rate 0
    with pytest.raises(ValueError, match="needs a srbcr model"):
        run_recipe(tiny, tmp_path / "other", "cpu", pool_dir=tmp_path / "pools",
                   say=lambda line: None, init_from="care-widefield")
