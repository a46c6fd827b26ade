"""Length units as microscopy files spell them (ImageJ, OME, TIFF tags), converted to nanometres."""
from __future__ import annotations

from typing import Optional

_NM_PER_UNIT = {
    "pm": 1e-3,
    "å": 0.1,
    "angstrom": 0.1,
    "nm": 1.0,
    "nanometer": 1.0,
    "nanometre": 1.0,
    "µm": 1e3,
    "μm": 1e3,  # Greek mu (U+03BC), which some writers use instead of the micro sign
    "um": 1e3,
    "micron": 1e3,
    "microns": 1e3,
    "micrometer": 1e3,
    "micrometre": 1e3,
    "mm": 1e6,
    "cm": 1e7,
    "m": 1e9,
    "in": 25.4e6,
    "inch": 25.4e6,
}


def nm_per_unit(unit: Optional[str]) -> Optional[float]:
    """Nanometres in one ``unit`` ("micron", "µm", "\\u00B5m", "nm", …), or None when unknown.

    "pixel" and empty units mean the file is not calibrated, so they give None as well.
    """
    if unit is None:
        return None
    key = str(unit).strip().lower().replace("\\u00b5", "µ")
    return _NM_PER_UNIT.get(key)
