"""Widget values that persist between napari sessions, as one small JSON file per dock.

Files live in the user's config dir (``platformdirs.user_config_dir("napari-inverse")``), or in
``$NAPARI_INVERSE_CONFIG_DIR`` when set, so tests and portable installs stay self-contained.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

CONFIG_DIR_ENV = "NAPARI_INVERSE_CONFIG_DIR"

log = logging.getLogger(__name__)


def config_dir() -> Path:
    """Where settings are stored: ``$NAPARI_INVERSE_CONFIG_DIR`` or the platform's config dir."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir("napari-inverse"))


def load_settings(name: str) -> dict[str, Any]:
    """The values saved under ``name``, or ``{}`` if there are none or the file is unreadable.

    A damaged file must never stop a dock from opening, so it is logged and ignored.
    """
    path = config_dir() / f"{name}.json"
    if not path.exists():
        return {}
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable settings file %s: %s", path, exc)
        return {}
    return values if isinstance(values, dict) else {}


def save_settings(name: str, values: dict[str, Any]) -> None:
    """Write ``values`` under ``name`` atomically, so a crash mid-write leaves the old file."""
    folder = config_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{name}.json.tmp"
        temporary.write_text(json.dumps(values, indent=2, sort_keys=True), encoding="utf-8")
        temporary.replace(folder / f"{name}.json")
    except OSError as exc:
        log.warning("could not save settings to %s: %s", folder, exc)
