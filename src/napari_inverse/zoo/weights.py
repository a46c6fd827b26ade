"""Weights on disk as safetensors: loading never executes code, and a changed file is refused.

Pickle-based checkpoints can run arbitrary code when opened; safetensors holds tensors only. The
sha256 recorded in the model card is checked before a byte is interpreted, so a truncated
download or an edited file fails with a message rather than giving wrong restorations.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Optional

from torch import nn


class ModelFileError(ValueError):
    """A weight file is missing, corrupt, altered, or does not fit its network."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_weights(net: nn.Module, path: Path) -> str:
    """Write ``net``'s parameters and buffers atomically; return the file's sha256."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu").contiguous() for k, v in net.state_dict().items()}
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    os.close(handle)
    try:
        save_file(state, temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return sha256_of(path)


def require_weight_file(path: Path) -> Path:
    """``path`` as a Path, or :class:`ModelFileError` when no file is there."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"the weight file {path} does not exist; a model is its weights "
                             "plus the card saved with them: save, copy or fetch it again")
    return path


def sha256_problem(sha256) -> Optional[str]:
    """What is wrong with a card's ``sha256`` (missing, empty, not 64 lower-case hex digits as
    sha256sum prints them), or None when it is well-formed."""
    if not sha256:
        return "has no sha256 of its weights"
    if not isinstance(sha256, str) or not re.fullmatch("[0-9a-f]{64}", sha256):
        return (f"has the sha256 {sha256!r}, not 64 lower-case hexadecimal digits as sha256sum "
                "prints them")
    return None


def load_weights(net: nn.Module, path: Path, sha256: str) -> nn.Module:
    """Fill ``net`` from ``path`` after checking the file against its card's ``sha256``.

    A card without a well-formed sha256 is refused: a damaged or changed file could not be
    told from a good one.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = require_weight_file(path)
    problem = sha256_problem(sha256)
    if problem:
        raise ModelFileError(
            f"the model card of {path} {problem}, so the file cannot be verified and is not "
            "loaded. Save the model again with napari_inverse.zoo.save_model (fine-tuning and "
            "'napari-inverse train' do), which writes it; or, for a file you trust, write the "
            f"output of 'sha256sum {path.name}' into the \"sha256\" field of the card beside it")
    found = sha256_of(path)
    if found != sha256:
        raise ModelFileError(
            f"the weight file {path} does not match its model card (sha256 {found[:12]}… "
            f"instead of {sha256[:12]}…): it is truncated, corrupted or was changed. Delete "
            "it so it is fetched again, or save the model again to write a new card.")
    try:
        state = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as error:
        raise ModelFileError(
            f"{path} is not a readable safetensors file ({error}); it may be truncated or "
            "corrupted — fetch or save it again") from None
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as error:
        first = str(error).splitlines()[0]
        raise ModelFileError(
            f"the weights in {path} do not fit the network its card describes ({first}); the "
            "card and the weights come from different models") from None
    return net
