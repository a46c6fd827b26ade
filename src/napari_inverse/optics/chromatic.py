"""A colour camera's channels as a defocus series: the objective's axial chromatic aberration
focuses red, green and blue at different depths, so one brightfield exposure holds three planes
(della Maggiora et al., AAAI 2025; references.md §4)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..engine.arguments import Number
from ..engine.validation import InvalidInput


@dataclass(frozen=True)
class ChromaticFocus:
    """Each colour channel's centre wavelength and its defocus in this exposure (nm).

    ``focal_shifts_nm[c]`` is how far channel c's image plane lies from the specimen, with the
    sign of ``dz`` in `optics.propagation` (positive: downstream). Measure it once per objective
    from a bead or an edge imaged through focus: the stage position at which each channel is
    sharpest, relative to the position of this exposure.
    """

    wavelengths_nm: Sequence[float]
    focal_shifts_nm: Sequence[float]

    def __post_init__(self) -> None:
        wavelength = Number(at_least=150, at_most=2000, hint="give it in nanometres, e.g. 610")
        shift = Number(hint="a distance in nanometres, e.g. 1000")
        values = {}
        for name, spec in (("wavelengths_nm", wavelength), ("focal_shifts_nm", shift)):
            given = getattr(self, name)
            if isinstance(given, (str, bytes)) or not hasattr(given, "__len__"):
                raise InvalidInput(f"ChromaticFocus.{name} must list one value per channel "
                                   f"(R, G, B), got {given!r}")
            values[name] = tuple(spec.check(f"ChromaticFocus.{name}[{i}]", v)
                                 for i, v in enumerate(given))
            object.__setattr__(self, name, values[name])
        if len(self.wavelengths_nm) != len(self.focal_shifts_nm) or len(self.wavelengths_nm) < 2:
            raise InvalidInput(
                f"ChromaticFocus needs one wavelength and one focal shift per channel (at least "
                f"two), got {len(self.wavelengths_nm)} and {len(self.focal_shifts_nm)}")
        if len(set(self.focal_shifts_nm)) < 2:
            raise InvalidInput(
                f"the channels' focal shifts {list(self.focal_shifts_nm)} are all equal: with no "
                "defocus between colours there is no phase signal; measure the shifts")

    def to_dict(self) -> dict:
        return {"wavelengths_nm": list(self.wavelengths_nm),
                "focal_shifts_nm": list(self.focal_shifts_nm)}
