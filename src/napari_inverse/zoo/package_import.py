"""Import a BioImage Model Zoo package (zip or folder) into the zoo as a user model.

Only packages whose network this project knows are taken: its own exports
(`methods.model_export`, card in ``config.napari_inverse``) and CAREamics's U-Net
(`zoo.careamics_package`). Nothing from the package is executed: rdf.yaml is read with YAML's
safe loader, the architecture's source is never imported, the weights are a PyTorch state dict
read with ``torch.load(weights_only=True)`` (tensors only, no pickled code), and every key must
map onto the rebuilt network. Anything else is refused with a message naming what is not
supported.
"""
from __future__ import annotations

import hashlib
import io
import pickle
import re
from pathlib import Path
from typing import Optional

import torch

from .card import ModelCard, check_model_name
from .careamics_package import careamics_card, careamics_key, is_careamics
from .families import FAMILIES, build_network, family
from .package_files import PackageFiles, safe_yaml
from .registry import ZooEntry, find_model, save_model
from .weights import ModelFileError

PACKAGE_CONFIG_KEY = "napari_inverse"
"""Where this project's exports keep the card (``config.napari_inverse.card``)."""


def import_package(path: str | Path, name: Optional[str] = None,
                   folder: Optional[Path] = None) -> ZooEntry:
    """Save the package at ``path`` as a user model called ``name`` (refused when taken), or by
    default the package's name (made a valid name, numbered when taken).

    ``ModelFileError`` (a ``ValueError``) names what is refused: an unknown architecture, no
    PyTorch state dict (TorchScript, ONNX, Keras only), keys that do not fit, a missing file,
    a name that leaves the package, a name already in the zoo.
    """
    with PackageFiles(path) as files:
        rdf = _read_description(files)
        weights = _state_dict_weights(rdf)
        architecture = weights.get("architecture") or {}
        state = _read_state_dict(files, weights)
        if isinstance((rdf.get("config") or {}).get(PACKAGE_CONFIG_KEY), dict):
            card = _own_card(rdf, architecture)
            rename = None
        elif is_careamics(architecture):
            card = careamics_card(rdf, _careamics_algorithm(files, rdf))
            depth, norm = card.architecture["depth"], card.architecture["batch_norm"]
            rename = lambda key: careamics_key(key, depth, norm)  # noqa: E731
        else:
            where = architecture.get("source") or architecture.get("import_from") or "?"
            raise ModelFileError(
                f"the package's network {architecture.get('callable', '?')!r} from {where!r} is "
                "not one napari-inverse knows; it imports its own exports and CAREamics's "
                "U-Net (N2V, CARE, N2N), and never runs code from a package")
    card.name = _refuse_taken_name(check_model_name(name)) if name else _free_name(card.name)
    net = build_network(card.family, card.architecture)
    _fill(net, state, rename, Path(path))
    return save_model(net.eval(), card, folder)


def _read_description(files: PackageFiles) -> dict:
    import yaml

    name = files.description_name()
    try:
        rdf = safe_yaml(files.read(name))
    except yaml.YAMLError as error:
        raise ModelFileError(f"{name} of {files.path} is not readable YAML ({error})") from None
    if not isinstance(rdf, dict) or rdf.get("type") != "model":
        raise ModelFileError(f"{files.path} does not describe a model ({name} has type "
                             f"{rdf.get('type') if isinstance(rdf, dict) else None!r})")
    version = str(rdf.get("format_version", ""))
    if not version.startswith("0.5."):
        raise ModelFileError(f"{files.path} is written in spec format {version or '?'}; "
                             "napari-inverse reads format 0.5 (update the package with "
                             "bioimageio.spec's update_format)")
    if len(rdf.get("inputs") or []) != 1 or not rdf.get("outputs"):
        raise ModelFileError("napari-inverse imports networks of one input image; the package "
                             f"has {len(rdf.get('inputs') or [])} inputs")
    return rdf


def _state_dict_weights(rdf: dict) -> dict:
    weights = rdf.get("weights") or {}
    entry = weights.get("pytorch_state_dict")
    if not isinstance(entry, dict):
        formats = ", ".join(sorted(weights)) or "none"
        raise ModelFileError(
            f"the package holds {formats} weights only; napari-inverse imports a PyTorch state "
            "dict (pytorch_state_dict) alone: TorchScript, ONNX and Keras files carry a program "
            "that would have to be run")
    if not isinstance(entry.get("source"), str):
        raise ModelFileError("the package's pytorch_state_dict weights name no file")
    return entry


def _read_state_dict(files: PackageFiles, weights: dict) -> dict[str, torch.Tensor]:
    data = files.read(weights["source"])
    expected = weights.get("sha256")
    if expected and hashlib.sha256(data).hexdigest() != expected:
        raise ModelFileError(f"the weights {weights['source']!r} do not match the sha256 in the "
                             "package's rdf.yaml: the file was changed or damaged")
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelFileError(f"the weights {weights['source']!r} are not a plain state dict of "
                             f"tensors ({first}); napari-inverse loads nothing else") from None
    if not isinstance(state, dict) or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()):
        raise ModelFileError(f"the weights {weights['source']!r} are not a state dict (names "
                             "mapped to tensors)")
    return state


def _own_card(rdf: dict, architecture: dict) -> ModelCard:
    """The card a napari-inverse export carries, checked against the network it names."""
    card = ModelCard.from_dict(rdf["config"][PACKAGE_CONFIG_KEY].get("card"))
    if card.family not in FAMILIES:
        raise ModelFileError(f"the package's model family {card.family!r} is not one this "
                             f"version knows ({', '.join(FAMILIES)}); update napari-inverse")
    packaged = family(card.family).packaged
    declared = dict(architecture.get("kwargs") or {})
    declared.pop("depth_of_field_channel", None)  # built into an in-focus package's network
    if packaged is None or architecture.get("callable") != packaged.__name__ or (
            declared != card.architecture):
        raise ModelFileError(
            f"the package's network {architecture.get('callable')!r} with "
            f"{architecture.get('kwargs')} is not the {card.family} network its card "
            "describes; it was edited after export")
    card.sha256 = ""
    return card


def _careamics_algorithm(files: PackageFiles, rdf: dict) -> Optional[str]:
    """``algorithm_config.algorithm`` of the attached careamics.yaml, when there is one."""
    import yaml

    for attachment in rdf.get("attachments") or []:
        source = attachment.get("source") if isinstance(attachment, dict) else None
        if isinstance(source, str) and source.rsplit("/", 1)[-1] == "careamics.yaml":
            try:
                config = safe_yaml(files.read(source))
                return str(config["algorithm_config"]["algorithm"]).lower()
            except (yaml.YAMLError, KeyError, TypeError):
                return None
    return None


def _refuse_taken_name(name: str) -> str:
    if not _taken(name):
        return name
    raise ModelFileError(f"the zoo already has a model called {name!r}; import the package "
                         "under another name")


def _free_name(package_name: str) -> str:
    """The package's name made a valid model name (other characters become '-'), with -2, -3 …
    appended while the zoo has a model of that name."""
    base = re.sub(r'[/\\:*?"<>|\s]+', "-", package_name).strip("-.") or "imported-model"
    try:
        check_model_name(base)
    except ValueError:  # a Windows device name
        base = f"{base}-model"
    name, copy = base, 1
    while _taken(name):
        copy += 1
        name = f"{base}-{copy}"
    return name


def _taken(name: str) -> bool:
    try:
        find_model(name)
    except ValueError:
        return False
    return True


def _fill(net: torch.nn.Module, state: dict, rename, path: Path) -> None:
    """Load ``state`` (keys renamed by ``rename``) into ``net``: every key must fit."""
    if rename is not None:
        renamed = {rename(k): v for k, v in state.items()}
        unexpected = sorted(k for k in state if rename(k) is None)
        state = {k: v for k, v in renamed.items() if k is not None}
    else:
        unexpected = sorted(set(state) - set(net.state_dict()))
    missing = sorted(set(net.state_dict()) - set(state))
    if unexpected or missing:
        parts = ([f"unexpected {_names(unexpected)}"] if unexpected else []) + (
            [f"missing {_names(missing)}"] if missing else [])
        raise ModelFileError(f"the weights of {path} do not fit the network their rdf.yaml "
                             f"describes: {'; '.join(parts)}")
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise ModelFileError(f"the weights of {path} do not fit the network their rdf.yaml "
                             f"describes ({str(error).splitlines()[-1].strip()})") from None


def _names(keys: list[str]) -> str:
    shown = ", ".join(keys[:4])
    return f"{len(keys)} keys ({shown}{', …' if len(keys) > 4 else ''})"
