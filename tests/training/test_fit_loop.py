"""The fit loop learns, resumes exactly, stops on request and keeps the best weights."""
from __future__ import annotations

import math
import threading

import numpy as np
import pytest
import torch

from napari_inverse.training import FitConfig, PatchSampler, fit
from napari_inverse.training.checkpoint import load_checkpoint
from napari_inverse.training.objectives import care_objective
from napari_inverse.zoo import build_network

ARCHITECTURE = {"ndim": 2, "depth": 1, "first_filters": 8, "kernel_size": 3}


def _blur_task(seed=0):
    """Input: a noisy box-blurred image; target: the sharp one (a deconvolution in miniature)."""
    rng = np.random.default_rng(seed)
    sharp = (rng.random((4, 64, 64)) < 0.02).astype(np.float32) * 100 + 10
    kernel = np.ones(3) / 3
    blurred = np.apply_along_axis(lambda r: np.convolve(r, kernel, "same"), -1, sharp)
    blurred = np.apply_along_axis(lambda r: np.convolve(r, kernel, "same"), -2, blurred)
    noisy = blurred + rng.normal(0, 0.5, blurred.shape)
    return noisy.astype(np.float32), sharp


def _setup(seed=0, **config):
    noisy, sharp = _blur_task(seed)
    sampler = PatchSampler([noisy], [sharp], (32, 32), seed=seed)
    validation = PatchSampler([noisy], [sharp], (32, 32)).fixed_batches(8, 8)
    torch.manual_seed(seed)  # the same initial weights for the same seed
    net = build_network("care", ARCHITECTURE)
    defaults = dict(steps=60, batch_size=8, learning_rate=3e-3, validate_every=20,
                    checkpoint_every=10, seed=seed)
    return net, sampler, validation, FitConfig(**{**defaults, **config})


def test_training_lowers_the_validation_loss():
    net, sampler, validation, config = _setup()
    result = fit(net, care_objective, sampler, validation, config, device="cpu")
    losses = [r["validation_loss"] for r in result.history]
    untrained = np.mean([torch.mean(torch.abs(x - y)).item() for x, y in validation])
    assert result.steps == 60 and result.stop_reason == "steps"
    assert losses[-1] < 0.75 * untrained  # the input itself as the answer (measured: 0.66)
    assert result.best_validation_loss == min(losses)


def test_a_resumed_run_matches_an_uninterrupted_one(tmp_path):
    net_a, sampler_a, validation, config = _setup(seed=3, steps=20)
    fit(net_a, care_objective, sampler_a, validation, config, device="cpu",
        checkpoint=tmp_path / "a.pt")
    net_b, sampler_b, _, _ = _setup(seed=3)
    fit(net_b, care_objective, sampler_b, validation, FitConfig(**{**config.__dict__, "steps": 10}),
        device="cpu", checkpoint=tmp_path / "b.pt")
    net_c, sampler_c, _, _ = _setup(seed=3)  # a fresh process: new objects, same checkpoint
    resumed = fit(net_c, care_objective, sampler_c, validation, config, device="cpu",
                  checkpoint=tmp_path / "b.pt")
    assert resumed.steps == 20
    for key, value in net_a.state_dict().items():
        torch.testing.assert_close(net_c.state_dict()[key], value, rtol=0, atol=1e-6)


def test_a_closing_validation_stays_out_of_the_checkpoint(tmp_path):
    """A run stopped between validations validates once more (its last steps may hold the best
    weights), but its checkpoint keeps the patience, schedule and history of a run that never
    stopped there, so that resuming it changes nothing."""
    net, sampler, validation, config = _setup(seed=3, steps=40, validate_every=10,
                                              schedule="plateau", plateau_patience=1)
    cancel = threading.Event()
    result = fit(net, care_objective, sampler, validation, config, device="cpu",
                 checkpoint=tmp_path / "run.pt", cancel=cancel,
                 progress=lambda step, total, message: step == 15 and cancel.set())
    assert result.stop_reason == "cancelled"
    assert [r["step"] for r in result.history] == [10, 15]
    saved = load_checkpoint(tmp_path / "run.pt")
    assert saved["step"] == 15 and [r["step"] for r in saved["history"]] == [10]
    assert saved["bad_validations"] == 0
    assert saved["optimiser"]["param_groups"][0]["lr"] == config.learning_rate


@pytest.mark.parametrize("change, named", [
    (dict(config={"learning_rate": 1e-3}), "training settings"),
    (dict(architecture={"first_filters": 4}), "network"),
    (dict(start="sha256 of another model"), "starting weights"),
])
def test_a_checkpoint_of_another_run_is_refused(tmp_path, change, named):
    """Resuming another run's checkpoint would silently replace this run's weights."""
    net, sampler, validation, config = _setup(steps=2, validate_every=2)
    fit(net, care_objective, sampler, validation, config, device="cpu",
        checkpoint=tmp_path / "run.pt", start="fresh")
    net, sampler, validation, _ = _setup()
    if "architecture" in change:
        net = build_network("care", {**ARCHITECTURE, **change["architecture"]})
    other = FitConfig(**{**config.__dict__, "steps": 4, **change.get("config", {})})
    with pytest.raises(ValueError, match=f"run.pt is the checkpoint of another run \\(its {named}"):
        fit(net, care_objective, sampler, validation, other, device="cpu",
            checkpoint=tmp_path / "run.pt", start=change.get("start", "fresh"))


def test_cancel_stops_at_once_and_keeps_the_best_weights():
    net, sampler, validation, config = _setup(steps=1000, validate_every=5)
    cancel = threading.Event()
    result = fit(net, care_objective, sampler, validation, config, device="cpu", cancel=cancel,
                 progress=lambda step, total, message: step == 12 and cancel.set())
    assert result.stop_reason == "cancelled" and result.steps == 12
    losses = {r["step"]: r["validation_loss"] for r in result.history}
    assert list(losses) == [5, 10, 12]  # the steps after the last validation were validated too
    assert result.best_validation_loss == min(losses.values())
    net.eval()  # the network holds the best weights: validating it again gives the best loss
    with torch.no_grad():
        again = np.mean([float(care_objective(net, x, y, None)) for x, y in validation])
    assert again == pytest.approx(result.best_validation_loss, rel=1e-6)


def test_time_budget_and_early_stopping_end_a_run():
    net, sampler, validation, config = _setup(steps=10_000, time_budget_s=0.5)
    run = fit(net, care_objective, sampler, validation, config, device="cpu")
    assert run.stop_reason == "time budget"
    net, sampler, validation, config = _setup(steps=10_000, learning_rate=0.0, validate_every=2,
                                              early_stop_patience=3)
    result = fit(net, care_objective, sampler, validation, config, device="cpu")
    assert result.stop_reason == "early stop" and result.steps == 8


def test_plateau_schedule_halves_the_learning_rate():
    # at 1e-9 the loss barely moves, so validations stop improving and the rate must halve
    net, sampler, validation, config = _setup(steps=40, learning_rate=1e-9, validate_every=2,
                                              schedule="plateau", plateau_patience=2)
    rates = [r["learning_rate"] for r in fit(net, care_objective, sampler, validation, config,
                                             device="cpu").history]
    halvings = [math.log2(1e-9 / rate) for rate in rates]
    assert max(halvings) >= 1 and all(h == pytest.approx(round(h)) for h in halvings)


def test_a_diverging_loss_is_reported_with_the_fix():
    net, sampler, validation, config = _setup(steps=50)

    def exploding(net, x, y, generator):
        return torch.tensor(float("nan"), requires_grad=True)

    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        fit(net, exploding, sampler, validation, config, device="cpu")


@pytest.mark.parametrize("family, architecture, patch", [
    ("srbcr", {}, (32, 32)), ("care", ARCHITECTURE, (32, 32)),
    ("care", {**ARCHITECTURE, "ndim": 3}, (8, 16, 16))])
def test_a_network_trains_in_its_layout_and_comes_back_in_the_default_one(
        family, architecture, patch, tmp_path):
    """s-rBCR trains channels-last on a CPU (U-Nets do not); what fit returns saves as usual."""
    from safetensors.torch import save_file

    from napari_inverse.training import OBJECTIVES

    images = np.random.default_rng(0).random((2, 16, 32, 32)).astype(np.float32)
    sampler = PatchSampler([images], [images], patch, seed=0)  # 2-D: planes of the stack
    net = build_network(family, architecture)
    seen = []  # per forward: are the weights in NHWC (a 1-channel input is both layouts)?
    net.register_forward_pre_hook(lambda module, args: seen.append(any(
        p.dim() == 4 and not p.is_contiguous()
        and p.is_contiguous(memory_format=torch.channels_last)
        for p in module.parameters())))
    result = fit(net, OBJECTIVES[family], sampler, sampler.fixed_batches(4, 4),
                 FitConfig(steps=3, batch_size=2, validate_every=3), device="cpu")
    assert result.steps == 3
    assert seen[0] == (family == "srbcr")  # the first training batch
    for tensor in [*net.state_dict().values(), *result.best_state.values()]:
        assert tensor.is_contiguous()
    save_file(result.best_state, str(tmp_path / "weights.safetensors"))


def test_a_cosine_schedule_anneals_every_step_and_resumes_on_its_curve(tmp_path):
    """The rate of step k is lr · ½(1 + cos(π (k−1) / steps)), also after a stop and resume."""
    net, sampler, validation, config = _setup(steps=20, validate_every=5, schedule="cosine")
    stop = threading.Event()
    interrupted = fit(net, care_objective, sampler, validation, config, device="cpu",
                      checkpoint=tmp_path / "c.pt", cancel=stop,
                      progress=lambda step, total, message: step == 10 and stop.set())
    assert interrupted.stop_reason == "cancelled" and interrupted.steps == 10
    net_b, sampler_b, _, _ = _setup()
    resumed = fit(net_b, care_objective, sampler_b, validation, config, device="cpu",
                  checkpoint=tmp_path / "c.pt")
    expected = [3e-3 * 0.5 * (1 + np.cos(np.pi * (k - 1) / 20)) for k in (5, 10, 15, 20)]
    assert resumed.steps == 20
    assert [r["learning_rate"] for r in resumed.history] == pytest.approx(expected)


@pytest.mark.parametrize("family, cuda_layout", [
    ("mrbcr", {"memory_format": torch.channels_last}),  # 837 vs 786 patches/s (batch 128, H200)
    ("srbcr", {"memory_format": torch.channels_last}),  # 1360 vs 1235 (batch 128)
    ("care", {}),  # NCHW: 1786 vs 1491 patches/s at the recipe's batch of 16
])
def test_each_network_trains_on_a_gpu_in_the_layout_measured_fastest_there(family, cuda_layout):
    from napari_inverse.training.loop import _memory_layout

    assert _memory_layout(build_network(family, {"ndim": 2} if family == "care" else {}),
                          torch.device("cuda")) == cuda_layout
