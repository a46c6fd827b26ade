"""Resumable training state on disk, written atomically and read without executing code.

A checkpoint holds the model, optimiser and schedule, the step, the loss history, the best
weights so far and every random state, so a run stopped at step k and resumed gives the same
steps as one that never stopped. It is read with ``torch.load(weights_only=True)``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    torch.save(state, temporary)
    os.replace(temporary, path)


def load_checkpoint(path: Path) -> dict[str, Any] | None:
    """The saved state, or None when there is none yet; a damaged file is an error with a fix."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several types for damaged or foreign files
        raise ValueError(f"cannot resume from {path}: {error}. Delete the file to start the "
                         "run afresh") from None
