"""What a finished training run leaves behind: its facts on the model card, weights and a log.

A recipe run and a fine-tuning run end the same way, so a card always says how many steps were
actually taken, on what hardware, in how long and why training stopped, whichever path made it.
"""
from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Optional

import torch

from ..zoo import ModelCard, ZooEntry, save_model
from .loop import FitConfig, FitResult

LOG_NAME = "training_log.json"


def hardware_description(device: torch.device) -> str:
    if device.type == "cuda":
        return (f"{torch.cuda.get_device_name(device)} (CUDA {torch.version.cuda}), "
                f"torch {torch.__version__}")
    return f"CPU {_cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__}"


def _cpu_name() -> str:
    """The processor's model name where the system tells it (Linux), else its architecture."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        for line in cpuinfo.splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()} ({platform.machine()})"
    except OSError:
        pass
    return platform.processor() or platform.machine()


def record_fit(card: ModelCard, result: FitResult, config: FitConfig, patch: int,
               device: torch.device) -> ModelCard:
    """Fill ``card`` with what the fit did (steps reached; the stage keeps the plan too) and
    return it.

    The card's own fields describe this run; ``card.stages`` (the runs before it, from
    :func:`lineage` of the starting model) gets this run appended.
    """
    card.seed, card.steps, card.batch_size, card.patch_size = (config.seed, result.steps,
                                                               config.batch_size, patch)
    card.wall_time_s = round(result.wall_time_s, 1)
    card.hardware = hardware_description(device)
    card.metrics.update(best_validation_loss=result.best_validation_loss,
                        best_step=result.best_step, stop_reason=result.stop_reason)
    # the steps planned, besides those reached: a cosine anneals over the plan, so a run that
    # stopped early (time budget, cancel) is reproduced only with its plan
    card.stages = [*card.stages, dict(_stage(card), planned_steps=config.steps,
                                      learning_rate=config.learning_rate,
                                      schedule=config.schedule)]
    return card


def lineage(card: ModelCard) -> list[dict]:
    """The training runs that made ``card``'s weights, oldest first, the last one marked with
    the sha256 of the file it produced: what a model continued from this one inherits.

    A card written before stages were recorded counts as one run, described by its own fields.
    """
    stages = [dict(s) for s in card.stages] or ([_stage(card)] if card.steps else [])
    if stages:
        stages[-1]["sha256"] = card.sha256
    return stages


def _stage(card: ModelCard) -> dict:
    return {"steps": card.steps, "batch_size": card.batch_size, "patch_size": card.patch_size,
            "seed": card.seed, "wall_time_s": card.wall_time_s, "hardware": card.hardware,
            "stop_reason": card.metrics.get("stop_reason", "")}


def save_trained(net: torch.nn.Module, card: ModelCard, history: list[dict],
                 folder: Optional[Path] = None) -> ZooEntry:
    """Save weights + card (see :func:`zoo.save_model`) with the loss history beside them."""
    entry = save_model(net, card, folder)
    (entry.weights.parent / LOG_NAME).write_text(json.dumps(history, indent=1), encoding="utf-8")
    return entry
