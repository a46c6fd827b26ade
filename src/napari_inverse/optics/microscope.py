"""The microscope's optical parameters, in explicit physical units (nm)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional

from ..engine.arguments import Number, check_arguments
from ..engine.validation import InvalidInput

_NANOMETRES = "give it in nanometres (e.g. {}, not {})"
_FIELDS = {
    "na": Number(above=0, hint="the objective's numerical aperture, e.g. 1.4"),
    "wavelength_nm": Number(at_least=150, at_most=2000, hint="the emission wavelength; "
                            + _NANOMETRES.format(520, 0.52)),
    "pixel_size_nm": Number(at_least=1, hint="the pixel size in the sample; "
                            + _NANOMETRES.format(65, 0.065)),
    "refractive_index": Number(at_least=1, at_most=4,
                               hint="the immersion medium's: 1.0 air, 1.33 water, 1.518 oil"),
    "z_step_nm": Number(above=0, optional=True, hint="the distance between planes; "
                        + _NANOMETRES.format(200, 0.2) + ", or None for 2-D work"),
}


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
        checked = check_arguments(_FIELDS, asdict(self), "Optics.")
        for name, value in checked.items():
            object.__setattr__(self, name, value)  # canonical floats: Optics(na=1) is na=1.0
        if self.na >= self.refractive_index:
            raise InvalidInput(
                f"Optics.na={self.na} must be below the immersion refractive index "
                f"{self.refractive_index} (NA = n·sin θ); check the objective's NA and the medium"
            )

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
