"""Model cards: what a trained model is for, how it was made, and how well it did.

A card travels beside every weight file as ``<name>.json``. It carries what a biologist needs to
judge fit (task, modality, the optics and sampling it was trained for, normalisation), what an
engineer needs to reproduce it (recipe, seed, steps, wall time, hardware) and the measured
benchmark figures, plus the sha256 of the weights so a changed file is never loaded silently.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Optional

from ..engine.normalisation import PERCENTILE

CARD_SUFFIX = ".json"
WEIGHTS_SUFFIX = ".safetensors"


MIN_ERROR_RANK_CORRELATION = 0.4  # σ against |error|, Spearman, on pairs never trained on


@dataclass
class ModelCard:
    name: str
    family: str  # network family, a key of zoo.families.FAMILIES
    task: str  # "deconvolution" | "denoising" | …
    architecture: dict = field(default_factory=dict)  # keyword arguments of the family's builder
    description: str = ""
    modality: str = "widefield fluorescence"
    # Sampling the model was trained for: a fixed pixel size (a user's microscope) or, for models
    # trained across microscopes, a range of pixel sizes relative to Nyquist (λ / 4 NA).
    pixel_size_nm: Optional[float] = None
    nyquist_fraction: Optional[tuple[float, float]] = None
    optics: dict = field(default_factory=dict)  # ranges or values: na, wavelength_nm, photons
    normalisation: dict = field(default_factory=lambda: dict(PERCENTILE))
    recipe: str = ""
    seed: int = 0
    steps: int = 0
    batch_size: int = 0
    patch_size: int = 0
    wall_time_s: float = 0.0
    hardware: str = ""
    parameter_count: int = 0
    metrics: dict = field(default_factory=dict)
    sha256: str = ""
    licence: str = "BSD-3-Clause"
    created: str = ""
    base_model: str = ""  # the card a fine-tuned or continued model started from
    # Every training run from fresh weights to this file, oldest first (training.records.lineage):
    # a model continued in a later session on other hardware says what each run did.
    stages: list = field(default_factory=list)
    # How a spread becomes a calibrated standard deviation (CVDM: {"factor": k, …}, fitted on
    # held-out simulated pairs; "spread": "views" where it is the spread of the mean network over
    # the input's rotations and mirrors, else the samples'); empty where never calibrated.
    calibration: dict = field(default_factory=dict)

    @property
    def spread_name(self) -> str:
        """"uncertainty" where the card's spread is calibrated, "sample_spread" where it is not.

        Calibrated means a fitted factor and, where the card measured it on held-out data, a
        rank correlation with the error of at least :data:`MIN_ERROR_RANK_CORRELATION`: a spread
        of the right width that does not point at the errors is not shown as an uncertainty.
        """
        ranks = (self.calibration.get("raw_spread") or {}).get("spearman_with_error")
        pointing = ranks is None or ranks >= MIN_ERROR_RANK_CORRELATION
        return "uncertainty" if self.calibration.get("factor") and pointing else "sample_spread"

    def expected_pixel_size_nm(self, na: float, wavelength_nm: float) -> Optional[float]:
        """The pixel size this model expects for a microscope of ``na`` and emission λ, in nm.

        A model trained on one microscope expects that pixel size; one trained across
        microscopes expects the middle of its Nyquist-relative range for this NA and λ.
        """
        if self.pixel_size_nm:
            return float(self.pixel_size_nm)
        if self.nyquist_fraction:
            low, high = self.nyquist_fraction
            return wavelength_nm / (4.0 * na) * math.sqrt(low * high)
        return None

    def accepted_pixel_size_nm(self, na: float, wavelength_nm: float,
                               tolerance: float = 0.2) -> Optional[tuple[float, float]]:
        """(smallest, largest) pixel size in nm this model takes for ``na`` and λ, or None.

        The trained range (or the one trained size) widened by ``tolerance`` at both ends;
        None when the card does not say what sampling it was trained on.
        """
        if self.nyquist_fraction and not self.pixel_size_nm:
            low, high = self.nyquist_fraction
            nyquist = wavelength_nm / (4.0 * na)
            return low * (1 - tolerance) * nyquist, high * (1 + tolerance) * nyquist
        expected = self.expected_pixel_size_nm(na, wavelength_nm)
        return None if expected is None else (expected * (1 - tolerance),
                                              expected * (1 + tolerance))

    def accepts_pixel_size(self, pixel_size_nm: float, na: float, wavelength_nm: float,
                           tolerance: float = 0.2) -> bool:
        """False when ``pixel_size_nm`` is more than ``tolerance`` away from what was trained."""
        accepted = self.accepted_pixel_size_nm(na, wavelength_nm, tolerance)
        return accepted is None or accepted[0] <= pixel_size_nm <= accepted[1]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=False)

    def save(self, path: Path) -> None:
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ModelCard":
        """The card ``data`` describes; ``ValueError`` naming the field when it cannot be one.

        Cards come from files anyone can edit, so every field a loader reads is type-checked
        here: a picker skips a card that raises ``ValueError`` instead of failing on it later.
        """
        if not isinstance(data, dict):
            raise ValueError(f"a model card must be a JSON object, not {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        missing = {"name", "family", "task"} - set(data)
        if missing:
            raise ValueError(f"model card lacks {', '.join(sorted(missing))}")
        for name, expected in _FIELD_TYPES.items():
            value = data.get(name)
            if value is not None and not isinstance(value, expected):
                raise ValueError(f"model card field {name!r} is {value!r}; expected "
                                 f"{' or '.join(t.__name__ for t in _as_tuple(expected))}")
        card = cls(**{k: v for k, v in data.items() if k in known})
        if card.nyquist_fraction is not None:
            if len(card.nyquist_fraction) != 2 or not all(
                    isinstance(v, (int, float)) and v > 0 for v in card.nyquist_fraction):
                raise ValueError(f"model card field 'nyquist_fraction' is "
                                 f"{card.nyquist_fraction!r}; expected [low, high], both > 0")
            card.nyquist_fraction = tuple(card.nyquist_fraction)
        return card

    @classmethod
    def load(cls, path: Path) -> "ModelCard":
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ValueError(f"cannot read the model card {path}: {error}; the file must be the "
                             f"JSON written beside the weights when the model was saved") from None
        return cls.from_dict(data)


_RESERVED_ON_WINDOWS = {"CON", "PRN", "AUX", "NUL", *(f"{d}{i}" for d in ("COM", "LPT")
                                                      for i in range(1, 10))}


def check_model_name(name: str) -> str:
    """``name`` if it can name a model's files on every system, else ``ValueError`` saying why.

    Checked before any training starts: a name that cannot be saved must not cost a run.
    """
    problem = (
        "is empty" if not name.strip() else
        "has spaces at its ends" if name != name.strip() else
        "contains / \\ : or another character file names cannot hold" if any(
            c in '/\\:*?"<>|' or ord(c) < 32 for c in name) else
        "is not a file name" if name in (".", "..") else
        "is reserved for devices on Windows" if name.split(".")[0].upper() in _RESERVED_ON_WINDOWS
        else "")
    if problem:
        raise ValueError(f"the model name {name!r} {problem}; choose a name like 'my-care-model'")
    return name


_FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "name": str, "family": str, "task": str, "architecture": dict, "optics": dict,
    "normalisation": dict, "metrics": dict, "calibration": dict, "sha256": str,
    "pixel_size_nm": (int, float),
    "nyquist_fraction": (list, tuple), "stages": list, "seed": int, "steps": int,
}
"""The types a card's fields must have, where a wrong one would break a loader or a picker."""


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)
