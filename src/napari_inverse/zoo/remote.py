"""Models hosted elsewhere: a card and a URL, fetched once into the user cache and checked.

Weights too large to ship in the wheel are listed in ``remote.json`` beside this file, a JSON
list of ``{"url": "https://…/<name>.safetensors", "card": {…model card…}}``. The card is known
before any download, so a picker can show a remote model at once; its ``sha256`` is given to
pooch, which keeps a download only when every byte matches, and :func:`load_weights` checks the
cached file again before it is read.

``$NAPARI_INVERSE_REMOTE_INDEX`` names another index file to use instead of the packaged one
(tests point it at models served from 127.0.0.1; a lab can list its own server).
``$NAPARI_INVERSE_CACHE_DIR`` moves the download cache from
``platformdirs.user_cache_dir("napari-inverse")``.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from .card import WEIGHTS_SUFFIX, ModelCard, check_model_name
from .weights import ModelFileError, sha256_problem

REMOTE_INDEX = Path(__file__).parent / "remote.json"
REMOTE_INDEX_ENV = "NAPARI_INVERSE_REMOTE_INDEX"
CACHE_DIR_ENV = "NAPARI_INVERSE_CACHE_DIR"
DOWNLOAD_TIMEOUT_S = 60  # per network read, not for the whole file


@dataclass(frozen=True)
class RemoteModel:
    card: ModelCard
    url: str

    @property
    def weights(self) -> Path:
        """Where the weights are (or will be, once fetched) in the cache."""
        return cached_weights_path(self.card)


def cache_dir() -> Path:
    """``$NAPARI_INVERSE_CACHE_DIR`` or the user cache dir: downloads can always be re-fetched."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("napari-inverse"))


def cached_weights_path(card: ModelCard) -> Path:
    return cache_dir() / "models" / f"{card.name}{WEIGHTS_SUFFIX}"


def remote_models() -> list[RemoteModel]:
    """The entries of the remote index (``$NAPARI_INVERSE_REMOTE_INDEX`` or ``remote.json``).

    A malformed index raises ``ValueError`` naming the file: it is curated, so a broken entry is
    a mistake to fix, not a model to skip quietly.
    """
    index = Path(os.environ.get(REMOTE_INDEX_ENV) or REMOTE_INDEX)
    try:
        items = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"cannot read the remote model index {index}: {error}; it must be a "
                         "JSON list of {\"url\": …, \"card\": {…}} objects") from None
    if not isinstance(items, list):
        raise ValueError(f"the remote model index {index} must be a JSON list")
    return [_remote_model(item, index, number) for number, item in enumerate(items, 1)]


def fetch_weights(card: ModelCard, url: str) -> Path:
    """Download ``url`` into the cache unless a copy matching ``card.sha256`` is already there.

    Raises :class:`ModelFileError` when the URL is not http(s), the server cannot be reached, or
    the bytes received do not match the card (pooch deletes such a download).
    """
    import pooch
    import requests

    if urlparse(url).scheme not in ("http", "https"):
        raise ModelFileError(f"cannot fetch the model {card.name!r} from {url}: only http and "
                             "https URLs are supported; correct the URL in the remote index")
    target = cached_weights_path(card)
    try:
        fetched = pooch.retrieve(
            url, known_hash=f"sha256:{card.sha256}", fname=target.name, path=target.parent,
            downloader=pooch.HTTPDownloader(progressbar=False, timeout=DOWNLOAD_TIMEOUT_S))
    except ValueError:  # pooch's only ValueError here: the hash did not match
        raise ModelFileError(
            f"the download of the model {card.name!r} from {url} does not match the sha256 in "
            "its model card: it was truncated or corrupted on the way, or the file on the server "
            "changed. It was deleted; try again, and if it keeps failing report the URL to whoever "
            "hosts the model.") from None
    except requests.HTTPError as error:
        status = error.response.status_code if error.response is not None else "an error"
        raise ModelFileError(
            f"cannot download the model {card.name!r} from {url}: the server answered {status} "
            "(the file is not there, or not for you). Check the URL in the remote index.") from None
    except (requests.RequestException, OSError) as error:
        raise ModelFileError(
            f"cannot download the model {card.name!r} from {url} ({type(error).__name__}): the "
            "network or the server is unreachable. Check the connection and try again, or copy "
            f"the file to {target} by hand.") from None
    return Path(fetched)


def _remote_model(item: object, index: Path, number: int) -> RemoteModel:
    where = f"entry {number} of the remote model index {index}"
    if not isinstance(item, dict) or not isinstance(item.get("card"), dict) or not item.get("url"):
        raise ValueError(f"{where} must be an object with a \"url\" and a \"card\"")
    try:
        card = ModelCard.from_dict(item["card"])
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    problem = sha256_problem(card.sha256)
    if problem:
        raise ValueError(f"{where} ({card.name!r}) {problem}; without a valid one a damaged "
                         "download could not be told from a good one")
    try:
        check_model_name(card.name)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    return RemoteModel(card, str(item["url"]))
