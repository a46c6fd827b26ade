"""The camera φ of the forward model I = φ(h∗x + b): photo-electrons in, digital numbers out.

Expected photo-electrons per pixel → Poisson shot noise → × gain (ADU per e⁻) → Gaussian read
noise (e⁻ rms, referred to the input) → optional n×n binning (sums n² pixels, each with its
own read noise, as an sCMOS bins digitally) → + offset (ADU, added once per output pixel) →
optional rounding to uint16. Hence the photon-transfer line every camera is checked against:
var(ADU) = gain · (mean(ADU) − offset) + n²·(gain · read_noise)².
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

_UINT16_MAX = 65535


@dataclass(frozen=True)
class Camera:
    """A scientific camera. Defaults are a typical sCMOS (ORCA-Flash4.0-like: 0.46 e⁻/ADU).

    ``gain`` is in ADU per photo-electron, ``read_noise_e`` in electrons rms, ``offset_adu`` is
    the dark level in ADU, ``binning`` the n of n×n binning, ``quantise`` rounds to uint16.
    """

    gain: float = 2.17
    read_noise_e: float = 1.6
    offset_adu: float = 100.0
    binning: int = 1
    quantise: bool = True

    def __post_init__(self) -> None:
        for name, lowest in (("gain", 0.0), ("read_noise_e", None), ("offset_adu", None)):
            value = getattr(self, name)
            bad = not isinstance(value, (int, float)) or not math.isfinite(value)
            if bad or value < 0 or (lowest is not None and value <= lowest):
                rule = "positive" if lowest is not None else "≥ 0"
                raise ValueError(f"Camera.{name} must be a finite number {rule}, got {value!r}")
        if not isinstance(self.binning, (int, np.integer)) or self.binning < 1:
            raise ValueError(
                f"Camera.binning must be a whole number ≥ 1 (2 for 2×2), got {self.binning!r}"
            )
        if self.quantise and self.offset_adu >= _UINT16_MAX:
            raise ValueError(
                f"Camera.offset_adu={self.offset_adu} leaves no room in uint16 (max 65535)"
            )

    def record(self, expected_e: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One noisy exposure of ``expected_e`` (photo-electrons per pixel, YX or ZYX).

        Binning acts on the last two (Y, X) axes, whose sizes it must divide. Returns uint16
        when ``quantise`` (values clipped to 0–65535), else float32 ADU.
        """
        expected_e = np.asarray(expected_e)
        if expected_e.ndim < 2 or not np.all(np.isfinite(expected_e)) or expected_e.min() < 0:
            raise ValueError(
                "a camera records a finite, non-negative image of at least 2 axes (YX)"
            )
        n = int(self.binning)
        if any(size % n for size in expected_e.shape[-2:]):
            raise ValueError(
                f"{n}×{n} binning needs Y and X sizes divisible by {n}, got shape "
                f"{expected_e.shape}; crop the specimen first"
            )
        electrons = rng.poisson(expected_e).astype(np.float32)
        adu = self.gain * electrons + rng.normal(
            0.0, self.gain * self.read_noise_e, expected_e.shape
        )
        if n > 1:
            adu = adu.reshape(*adu.shape[:-2], adu.shape[-2] // n, n, adu.shape[-1] // n, n)
            adu = adu.sum(axis=(-3, -1))
        adu = adu + self.offset_adu
        if self.quantise:
            return np.clip(np.round(adu), 0, _UINT16_MAX).astype(np.uint16)
        return adu.astype(np.float32)

    def to_electrons(self, image: np.ndarray) -> np.ndarray:
        """Photo-electrons per (binned) pixel from an image in ADU: (I − offset) / gain."""
        electrons = (np.asarray(image, dtype=np.float32) - self.offset_adu) / self.gain
        return electrons.astype(np.float32)

    def to_dict(self) -> dict:
        return asdict(self)
