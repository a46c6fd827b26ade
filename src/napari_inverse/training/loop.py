"""One fit loop for every model: Adam, a schedule, validation, early stopping, resumable.

The loop knows nothing about families or data: it gets a network, an objective, a patch sampler
and fixed validation batches. It reports every step through ``progress(step, total, message)``,
stops cleanly when ``cancel`` is set or the time budget is spent (keeping the best weights, after
validating the steps since the last validation so that none are lost), and checkpoints so that a
run interrupted in one session resumes in the next. On CUDA it trains in bfloat16 autocast;
everything else is float32.
"""
from __future__ import annotations

import contextlib
import copy
import dataclasses
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import torch

from ..engine.device import release_device_memory, select_device
from ..engine.memory import reuse_freed_memory
from ..engine.progress import CancelLike
from .checkpoint import load_checkpoint, save_checkpoint
from .objectives import Objective

StepCallback = Callable[[int, int, str], None]
SCHEDULES = ("constant", "plateau", "cosine")


@dataclass(frozen=True)
class FitConfig:
    steps: int = 2000
    batch_size: int = 64
    learning_rate: float = 1e-3
    # "constant" | "plateau" (×factor after `plateau_patience` bad validations) | "cosine" (from
    # learning_rate to zero over `steps`, set before every step)
    schedule: str = "constant"
    plateau_factor: float = 0.5
    plateau_patience: int = 3
    validate_every: int = 100
    early_stop_patience: Optional[int] = None  # validations without improvement; None = never
    checkpoint_every: int = 100
    seed: int = 0
    mixed_precision: bool = True  # bfloat16 autocast on CUDA only
    time_budget_s: Optional[float] = None
    freeze_batch_norm: bool = False  # keep a trained network's batch-norm statistics (fine-tuning)

    def __post_init__(self) -> None:
        if self.schedule not in SCHEDULES:  # here, not after the steps before a validation
            raise ValueError(f"unknown schedule {self.schedule!r}; use {', '.join(SCHEDULES)}")


@dataclass
class FitResult:
    best_state: dict
    best_validation_loss: float
    steps: int
    wall_time_s: float
    stop_reason: str  # "steps" | "early stop" | "time budget" | "cancelled"
    device: str
    history: list[dict] = field(default_factory=list)

    @property
    def best_step(self) -> int:
        """The step whose weights were kept; 0 when no validation beat the starting weights."""
        return next((r["step"] for r in self.history
                     if r["validation_loss"] == self.best_validation_loss), 0)


def fit(net: torch.nn.Module, objective: Objective, sampler, validation: list, config: FitConfig,
        device: str | torch.device = "auto", checkpoint: Optional[Path] = None,
        progress: Optional[StepCallback] = None, cancel: Optional[CancelLike] = None,
        on_validation: Optional[Callable[[dict], None]] = None, start: str = "",
        keep_start_if_best: bool = False) -> FitResult:
    """Train ``net`` in place on ``sampler`` batches; return the best state and the history.

    ``start`` says where the initial weights came from (e.g. the sha256 of a model continued):
    with the network's tensors and the settings it is the run's identity, and a checkpoint of
    another run is refused instead of being resumed in its place. ``keep_start_if_best``
    (trained starting weights) validates them first: a run that only makes them worse returns
    them, and ``best_step`` 0 says so.
    """
    device = select_device(device)
    torch.backends.cudnn.benchmark = device.type == "cuda"  # fixed patch shapes: pick fast kernels
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    layout = _memory_layout(net, device)
    net.to(device, **layout)
    optimiser = torch.optim.Adam(net.parameters(), lr=config.learning_rate)
    state = _State(best_state=_cpu_copy(net), best_loss=math.inf,
                   identity=_identity(net, config, start))
    saved = load_checkpoint(checkpoint) if checkpoint is not None else None
    if saved is not None:
        _check_identity(saved, state.identity, checkpoint)
        state = _restore(saved, net, optimiser, sampler, generator, state.identity)
    elif keep_start_if_best and validation:
        state.best_loss = _validation_loss(net, objective, validation, device, config)
    started, elapsed_before = time.perf_counter(), state.wall_time_s
    reason = "steps"

    def elapsed() -> float:
        return elapsed_before + time.perf_counter() - started

    def save() -> None:
        state.wall_time_s = elapsed()
        save_checkpoint(checkpoint, _snapshot(state, net, optimiser, sampler, generator))
    try:
        with _cpu_memory_reuse(device):  # every step allocates the same big activations again
            while state.step < config.steps:
                if cancel is not None and cancel.is_set():
                    reason = "cancelled"
                    break
                if config.time_budget_s and elapsed() > config.time_budget_s:
                    reason = "time budget"
                    break
                _train_mode(net, config.freeze_batch_norm)
                _step_schedule(config, state.step, optimiser)
                state.running.append(_train_step(net, objective, sampler, optimiser, config, device,
                                                  layout, generator, state.step + 1))
                state.step += 1
                if progress is not None:
                    progress(state.step, config.steps, f"loss {state.running[-1]:.4g}")
                if state.step % config.validate_every == 0 or state.step == config.steps:
                    record = _validate(net, objective, validation, device, config, state, optimiser,
                                       elapsed())
                    if on_validation is not None:
                        on_validation(record)
                    patience = config.early_stop_patience
                    if patience and state.bad_validations >= patience:
                        reason = "early stop"
                        break
                if checkpoint is not None and state.step % config.checkpoint_every == 0:
                    save()
            # stopped between validations: the latest steps may hold the best weights
            if state.running:
                # saved first, so that a resumed run goes on exactly as if it had never stopped
                if checkpoint is not None:
                    save()
                    checkpoint = None
                record = _validate(net, objective, validation, device, config, state, optimiser,
                                   elapsed(), closing=True)
                if on_validation is not None:
                    on_validation(record)
    finally:
        if checkpoint is not None and state.step > 0:
            save()
        state.wall_time_s = elapsed()
        net.load_state_dict(state.best_state)
        net.to("cpu", memory_format=torch.contiguous_format)
        optimiser.state.clear()  # Adam's moments stay on the device until dropped
        release_device_memory(device)  # now nothing of the run holds device memory
    return FitResult(state.best_state, state.best_loss, state.step, state.wall_time_s, reason,
                     str(device), state.history)


def _memory_layout(net: torch.nn.Module, device: torch.device) -> dict:
    """``.to()`` arguments for the layout ``net`` trains in on ``device``: the one its
    ``training_layouts`` names for the device type, else NCHW on a CPU and none elsewhere.

    Why per network: oneDNN and cuDNN train m-rBCR's and s-rBCR's thin convolutions faster in
    NHWC, the U-Nets faster in NCHW (measured per device type; figures in
    ``docs/architecture.md``, training on a CPU, and ``docs/benchmarks.md``).
    """
    layouts = getattr(net, "training_layouts", {})
    if device.type in layouts:
        return {"memory_format": layouts[device.type]}
    return {"memory_format": torch.contiguous_format} if device.type == "cpu" else {}


def _cpu_memory_reuse(device: torch.device):
    """Reuse freed host memory for a CPU run (1.4× faster m-rBCR steps for 24 % more peak
    memory at batch 16); a GPU run's activations live on the GPU, so nothing is held there."""
    return reuse_freed_memory() if device.type == "cpu" else contextlib.nullcontext()


def _train_step(net, objective, sampler, optimiser, config: FitConfig, device, layout: dict,
                generator, step: int) -> float:
    """One optimiser step on a fresh batch; its device tensors die with this call."""
    x, y = sampler.sample(config.batch_size)
    x = x.to(device, non_blocking=True, **layout)
    y = y.to(device, non_blocking=True, **layout) if y is not None else None
    with _autocast(device, config.mixed_precision):
        loss = objective(net, x, y, generator)
    if not torch.isfinite(loss):
        raise FloatingPointError(
            f"the training loss became {loss.item()} at step {step}; lower the learning rate or "
            "check the training images for extreme values")
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    optimiser.step()
    return float(loss.detach())


@dataclass
class _State:
    best_state: dict
    best_loss: float
    step: int = 0
    bad_validations: int = 0
    wall_time_s: float = 0.0
    history: list = field(default_factory=list)
    running: list = field(default_factory=list)
    identity: dict = field(default_factory=dict)


def _identity(net: torch.nn.Module, config: FitConfig, start: str) -> dict:
    """What a checkpoint must match to be resumed: the network's tensors, the settings (a
    resumed run may change only its steps and time budget) and where the weights started."""
    settings = {k: v for k, v in dataclasses.asdict(config).items()
                if k not in ("steps", "time_budget_s")}
    return {"tensors": [[k, list(v.shape)] for k, v in net.state_dict().items()],
            "settings": settings, "start": start}


def _check_identity(saved: dict, identity: dict, checkpoint: Path) -> None:
    found = saved.get("identity") or {}
    differing = [key for key in identity if found.get(key) != identity[key]]
    if differing:
        what = {"tensors": "network", "settings": "training settings",
                "start": "starting weights"}
        raise ValueError(
            f"{checkpoint} is the checkpoint of another run (its "
            f"{' and '.join(what[k] for k in differing)} differ from this one's); give this run "
            "its own output folder, or delete the file to start afresh")


def _validate(net, objective, validation, device, config, state, optimiser, elapsed,
              closing: bool = False) -> dict:
    """Measure the validation loss, keep the weights if they are the best, advance the schedule.

    A ``closing`` validation (a run stopped between validations) only offers its weights as the
    best: patience and plateau schedule are left as they were, as they are in the checkpoint.
    """
    loss = (_validation_loss(net, objective, validation, device, config) if validation
            else float(np.mean(state.running)))
    record = {"step": state.step, "train_loss": float(np.mean(state.running)),
              "validation_loss": loss, "learning_rate": optimiser.param_groups[0]["lr"],
              "seconds": round(elapsed, 2)}
    state.history.append(record)
    state.running.clear()
    improved = loss < state.best_loss
    if improved:
        state.best_loss, state.best_state = loss, _cpu_copy(net)
    if not closing:
        state.bad_validations = 0 if improved else state.bad_validations + 1
        _schedule(config, state, optimiser)
    return record


def _validation_loss(net, objective, validation, device, config) -> float:
    """Mean objective over the fixed validation batches, in eval mode."""
    net.eval()
    generator = torch.Generator().manual_seed(config.seed + 1)  # same blind spots every time
    with torch.no_grad(), _autocast(device, config.mixed_precision):
        return float(np.mean([float(objective(net, x.to(device),
                                              y.to(device) if y is not None else None, generator))
                              for x, y in validation]))


def _schedule(config: FitConfig, state: _State, optimiser) -> None:
    """The schedules that follow validation: a plateau halves the rate."""
    if config.schedule == "plateau":
        if state.bad_validations and state.bad_validations % config.plateau_patience == 0:
            for group in optimiser.param_groups:
                group["lr"] *= config.plateau_factor


def _step_schedule(config: FitConfig, done: int, optimiser) -> None:
    """The schedules that follow the step count: the cosine's rate for step ``done + 1`` (a
    function of the step alone, so a resumed run continues the same curve)."""
    if config.schedule == "cosine":
        fraction = min(done / config.steps, 1.0)
        for group in optimiser.param_groups:
            group["lr"] = config.learning_rate * 0.5 * (1 + math.cos(math.pi * fraction))


def _train_mode(net: torch.nn.Module, freeze_batch_norm: bool) -> None:
    """Training mode, except that frozen batch norms normalise with their stored statistics."""
    net.train()
    if freeze_batch_norm:
        for module in net.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.eval()


def _autocast(device: torch.device, enabled: bool):
    if enabled and device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def _cpu_copy(net) -> dict:
    """The weights on the CPU in the default layout, whatever layout the run trained in."""
    return {k: v.detach().to("cpu", copy=True, memory_format=torch.contiguous_format)
            for k, v in net.state_dict().items()}


def _snapshot(state: _State, net, optimiser, sampler, generator) -> dict:
    return {"model": _cpu_copy(net), "optimiser": optimiser.state_dict(),
            "best_state": state.best_state, "best_loss": state.best_loss, "step": state.step,
            "bad_validations": state.bad_validations, "wall_time_s": state.wall_time_s,
            "history": copy.deepcopy(state.history),
            "sampler_rng": sampler.rng.bit_generator.state, "generator": generator.get_state(),
            "torch_rng": torch.get_rng_state(), "identity": state.identity}


def _restore(saved: dict, net, optimiser, sampler, generator, identity: dict) -> _State:
    net.load_state_dict(saved["model"])
    optimiser.load_state_dict(saved["optimiser"])
    sampler.rng.bit_generator.state = saved["sampler_rng"]
    generator.set_state(saved["generator"])
    torch.set_rng_state(saved["torch_rng"])
    return _State(best_state=saved["best_state"], best_loss=saved["best_loss"],
                  step=saved["step"], bad_validations=saved["bad_validations"],
                  wall_time_s=saved["wall_time_s"], history=list(saved["history"]),
                  identity=identity)


