"""The microscope's optical parameters, in explicit physical units (nm)."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Optional


@dataclass(frozen=True)
class Optics:
    """What the imaging system is: numerical aperture, emission wavelength and sampling.

    Units are part of every name: wavelengths and distances in nanometres. ``z_step_nm`` is the
    distance between planes of a stack and is needed only for 3-D work.
    """

    na: float
    wavelength_nm: float
    pixel_size_nm: float
    refractive_index: float = 1.518
    z_step_nm: Optional[float] = None

    def __post_init__(self) -> None:
        checks = {
            "na": self.na,
            "wavelength_nm": self.wavelength_nm,
            "pixel_size_nm": self.pixel_size_nm,
            "refractive_index": self.refractive_index,
        }
        for name, value in checks.items():
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise ValueError(f"Optics.{name} must be a positive number, got {value!r}")
        if self.na >= self.refractive_index:
            raise ValueError(
                f"Optics.na={self.na} must be below the immersion refractive index "
                f"{self.refractive_index} (NA = n·sin θ); check the objective's NA and the medium"
            )
        if not 150 <= self.wavelength_nm <= 2000:
            raise ValueError(
                f"Optics.wavelength_nm={self.wavelength_nm} is outside 150–2000 nm; "
                "give the emission wavelength in nanometres (e.g. 520, not 0.52)"
            )
        if self.pixel_size_nm < 1:
            raise ValueError(
                f"Optics.pixel_size_nm={self.pixel_size_nm} is below 1 nm; "
                "give the pixel size in nanometres (e.g. 65, not 0.065)"
            )
        if self.z_step_nm is not None and (
            not math.isfinite(self.z_step_nm) or self.z_step_nm <= 0
        ):
            raise ValueError(f"Optics.z_step_nm must be positive or None, got {self.z_step_nm!r}")

    @property
    def lateral_resolution_nm(self) -> float:
        """Rayleigh limit 0.61 λ/NA: the radius of the Airy disc's first dark ring."""
        return 0.61 * self.wavelength_nm / self.na

    @property
    def nyquist_pixel_nm(self) -> float:
        """Largest pixel that samples the widefield OTF cut-off 2 NA/λ without aliasing."""
        return self.wavelength_nm / (4 * self.na)

    def to_dict(self) -> dict:
        return asdict(self)
