"""Find, load and save models: shipped with the package, hosted remotely, or saved by the user.

Shipped models live in ``zoo/shipped/`` as ``<name>.safetensors`` + ``<name>.json``. Remote
models are listed with their cards in an index and fetched into the cache on first load
(``zoo/remote.py``). A user's models live one folder each under :func:`user_models_dir` (or any
folder they pick, which is then remembered), so a model saved from the Train dock appears in
every model picker.
"""
from __future__ import annotations

import contextlib
import copy
import datetime
import json
import os
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import torch
from torch import nn

from .card import CARD_SUFFIX, WEIGHTS_SUFFIX, ModelCard, check_model_name
from .families import Predictor, build_network, family, parameter_count
from .remote import fetch_weights, remote_models
from .weights import ModelFileError, load_weights, require_weight_file, save_weights

SHIPPED_DIR = Path(__file__).parent / "shipped"
MODELS_DIR_ENV = "NAPARI_INVERSE_MODELS_DIR"
_EXTRA_FOLDERS_FILE = "folders.json"
_predictor_lock = threading.Lock()


@dataclass
class ZooEntry:
    card: ModelCard
    weights: Path  # for a remote model, its place in the cache (absent until fetched)
    source: str  # "shipped" | "remote" | "user"
    url: str = ""  # where a remote model is fetched from

    @property
    def name(self) -> str:
        return self.card.name


@dataclass
class LoadedModel:
    """A network ready to predict, with its card (2-D networks in channels-last memory)."""

    net: nn.Module
    card: ModelCard
    device: torch.device

    def __post_init__(self) -> None:
        if self.card.architecture.get("ndim", 2) == 2:
            # oneDNN and cuDNN run these small-channel convolutions fastest on NHWC tensors
            # (same numbers to float rounding; docs/architecture.md, learned inference).
            self.net = self.net.to(memory_format=torch.channels_last)
        elif self.device.type == "cpu":  # on a GPU NDHWC was never measured
            # oneDNN likewise in 3-D (a default CARE U-Net about 1.5× faster)
            self.net = self.net.to(memory_format=torch.channels_last_3d)

    # the family's predictor per number format, shared by the shallow copies callers get
    _predictors: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def predict(self, x: torch.Tensor, dtype: torch.dtype = torch.float32):
        """(restored, scale or None) for a normalised (batch, 1, …) tensor on ``device``.

        The family's predictor (`zoo.families`: for the BCRs their weights composed for
        inference) is made on the first call in each ``dtype`` and kept with the model, so
        ``net`` must not change after it has predicted. A ``dtype`` other than float32 (see
        `engine.precision`) runs a copy of the network in that format (m-rBCR's weights:
        1 MB) on the input cast to it; the outputs are then in that format too.
        """
        return self._predictor_in(dtype)(x.to(dtype))

    def _predictor_in(self, dtype: torch.dtype) -> Predictor:
        with _predictor_lock:
            if dtype not in self._predictors:
                net = self.net if dtype == torch.float32 else copy.deepcopy(self.net).to(dtype)
                self._predictors[dtype] = family(self.card.family).predictor(net)
            return self._predictors[dtype]


def user_models_dir() -> Path:
    """Where saved models go by default: ``$NAPARI_INVERSE_MODELS_DIR`` or the user data dir."""
    override = os.environ.get(MODELS_DIR_ENV)
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("napari-inverse")) / "models"


def list_models(task: Optional[str] = None, family_name: Optional[str] = None) -> list[ZooEntry]:
    """Shipped models first, then remote ones, then the user's; optionally one task or family.

    A remote index that cannot be read (a lab's share offline, a typo in it) is reported with a
    warning and skipped: it must not hide the shipped and saved models from every picker.
    """
    entries, problem = _all_entries()
    if problem:
        warnings.warn(f"remote models are not listed: {problem}", stacklevel=2)
    return [e for e in entries
            if (task is None or e.card.task == task)
            and (family_name is None or e.card.family == family_name)]


def find_model(name: str) -> ZooEntry:
    """The entry called ``name`` (a user model shadows nothing: shipped, then remote names win)."""
    entries, problem = _all_entries()
    for entry in entries:
        if entry.name == name:
            return entry
    known = ", ".join(e.name for e in entries) or "none"
    hint = f"; remote models could not be listed: {problem}" if problem else ""
    raise ValueError(f"no model called {name!r}; known models: {known}{hint}")


def _all_entries() -> tuple[list[ZooEntry], str]:
    """Shipped, remote and user entries, and why the remote index could not be read (or "")."""
    entries = _entries_in(SHIPPED_DIR, "shipped")
    try:
        entries += [ZooEntry(m.card, m.weights, "remote", m.url) for m in remote_models()]
        problem = ""
    except ValueError as error:
        problem = str(error)
    for folder in _user_folders():
        entries += _entries_in(folder, "user")
    return entries, problem


def load_model(name_or_path: str | Path, device: torch.device | str = "cpu") -> LoadedModel:
    """Rebuild the network a card describes and fill it with its checked weights, in eval mode.

    ``name_or_path`` is a zoo name, a model folder, or the path of a ``.safetensors`` file with
    its card beside it. A remote model is downloaded into the cache first unless already there.
    """
    entry = _fetched_entry(name_or_path)
    device = torch.device(device)
    return LoadedModel(_checked_network(entry).to(device), entry.card, device)


def _fetched_entry(name_or_path: str | Path) -> ZooEntry:
    """The zoo entry, its weights downloaded first when it is a remote model."""
    entry = _entry_for(name_or_path)
    if entry.source == "remote":
        fetch_weights(entry.card, entry.url)
    return entry


def _checked_network(entry: ZooEntry) -> nn.Module:
    """The card's network with the entry's weights (checked against the card), in eval mode."""
    try:
        net = build_network(entry.card.family, entry.card.architecture)
    except (TypeError, ValueError) as error:  # an unknown family or architecture keyword
        raise ModelFileError(f"the model card of {entry.name!r} describes no network this "
                             f"version builds ({error}); it was written by another version "
                             "or edited by hand") from None
    return load_weights(net, entry.weights, entry.card.sha256).eval()


_SHARED_CPU_MODELS: "OrderedDict[str, tuple[tuple, LoadedModel]]" = OrderedDict()
_SHARED_CPU_MODELS_LIMIT = 8  # a few MB each; the least recently used goes beyond this
_shared_lock = threading.Lock()
_DEVICE_MODELS: dict[tuple[str, str], LoadedModel] = {}  # kept while keeping_device_models runs
_keep_device_models = 0  # how many keeping_device_models blocks are open


def load_model_for_inference(name_or_path: str | Path,
                             device: torch.device | str = "cpu") -> LoadedModel:
    """`load_model`, except that on a CPU one network per model file serves every call.

    Why: building m-rBCR's 148 small modules costs about 100 ms of Python on every load, a
    tenth of a 512² deconvolution on a small CPU. The shared network is
    never trained (`fine_tune` calls `load_model` for its own copy) and only read by inference,
    so concurrent jobs can share it; each call gets its own copy of the card. A file saved
    again (size, mtime or card changed) replaces it, loaded and checked afresh. On a GPU nothing
    is kept (device memory is released after each job) unless :func:`keeping_device_models`
    is active: then a chunked job's worker loads each model once, not once per chunk.
    """
    device = torch.device(device)
    if device.type != "cpu":
        if not _keep_device_models:
            return load_model(name_or_path, device)
        with _shared_lock:
            key = (str(name_or_path), str(device))
            if key not in _DEVICE_MODELS:
                _DEVICE_MODELS[key] = load_model(name_or_path, device)
            return _DEVICE_MODELS[key]
    entry = _fetched_entry(name_or_path)
    weights = require_weight_file(entry.weights).resolve()
    stat = weights.stat()
    version = (stat.st_size, stat.st_mtime_ns, entry.card.to_json())
    with _shared_lock:
        kept = _SHARED_CPU_MODELS.get(str(weights))
        if kept is None or kept[0] != version:
            kept = (version, LoadedModel(_checked_network(entry), entry.card, device))
            _SHARED_CPU_MODELS[str(weights)] = kept
        _SHARED_CPU_MODELS.move_to_end(str(weights))
        while len(_SHARED_CPU_MODELS) > _SHARED_CPU_MODELS_LIMIT:
            _SHARED_CPU_MODELS.popitem(last=False)
    mine = copy.copy(kept[1])  # the shared network, already channels-last: no __post_init__
    mine.card = entry.card  # just read from disk: this call's own
    return mine


@contextlib.contextmanager
def keeping_device_models() -> Iterator[None]:
    """Within it (and in any thread meanwhile), `load_model_for_inference` keeps GPU models for
    later calls: what a chunked job's worker wants for verbs it runs whole per chunk. They stay
    until `forget_shared_models`, which the job's end calls."""
    global _keep_device_models
    with _shared_lock:
        _keep_device_models += 1
    try:
        yield
    finally:
        with _shared_lock:
            _keep_device_models -= 1


def forget_shared_models() -> None:
    """Drop the networks `load_model_for_inference` keeps (the next call builds afresh)."""
    with _shared_lock:
        _SHARED_CPU_MODELS.clear()
        _DEVICE_MODELS.clear()


def save_model(net: nn.Module, card: ModelCard, folder: Optional[Path] = None) -> ZooEntry:
    """Write ``<folder>/<name>.safetensors`` and its card, remember the folder; the entry."""
    check_model_name(card.name)
    folder = Path(folder) if folder is not None else user_models_dir() / card.name
    weights = folder / f"{card.name}{WEIGHTS_SUFFIX}"
    card.sha256 = save_weights(net, weights)
    card.parameter_count = parameter_count(net)
    card.created = card.created or datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="seconds")
    card.save(folder / f"{card.name}{CARD_SUFFIX}")
    _remember_folder(folder)
    return ZooEntry(card, weights, "user")


def _entry_for(name_or_path: str | Path) -> ZooEntry:
    path = Path(name_or_path)
    if path.suffix == WEIGHTS_SUFFIX or path.is_dir():
        weights = path if path.suffix == WEIGHTS_SUFFIX else _single_weights_file(path)
        card_path = weights.with_suffix(CARD_SUFFIX)
        if not card_path.is_file():
            raise ModelFileError(f"{weights} has no model card beside it ({card_path.name}); "
                                 "a model is its weights plus the card saved with them")
        return ZooEntry(ModelCard.load(card_path), weights, "user")
    return find_model(str(name_or_path))


def _single_weights_file(folder: Path) -> Path:
    found = sorted(folder.glob(f"*{WEIGHTS_SUFFIX}"))
    if len(found) != 1:
        raise ModelFileError(f"{folder} holds {len(found)} weight files; expected exactly one "
                             f"*{WEIGHTS_SUFFIX} with its card")
    return found[0]


def _entries_in(folder: Path, source: str) -> list[ZooEntry]:
    if not folder.is_dir():
        return []
    entries = []
    for card_path in sorted(folder.rglob(f"*{CARD_SUFFIX}")):
        weights = card_path.with_suffix(WEIGHTS_SUFFIX)
        if not weights.is_file():
            continue
        try:
            entries.append(ZooEntry(ModelCard.load(card_path), weights, source))
        except ValueError:
            continue  # an unreadable card must not hide the other models from a picker
    return entries


def _user_folders() -> list[Path]:
    root = user_models_dir()
    folders = [root]
    extra = root / _EXTRA_FOLDERS_FILE
    if extra.is_file():
        try:
            folders += [Path(p) for p in json.loads(extra.read_text(encoding="utf-8"))]
        except (OSError, ValueError):
            pass
    unique = []
    for folder in folders:
        if folder not in unique:
            unique.append(folder)
    return unique


def _remember_folder(folder: Path) -> None:
    root = user_models_dir()
    folder = folder.resolve()
    if root.resolve() in (folder, *folder.parents):
        return
    root.mkdir(parents=True, exist_ok=True)
    extra = root / _EXTRA_FOLDERS_FILE
    known = json.loads(extra.read_text(encoding="utf-8")) if extra.is_file() else []
    if str(folder) not in known:
        extra.write_text(json.dumps(known + [str(folder)], indent=1), encoding="utf-8")
