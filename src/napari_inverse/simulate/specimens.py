"""The specimen registry: every synthetic structure by name, with one calling convention.

Each entry is ``f(shape, pixel_size_nm, z_step_nm=None, seed=0, **options)`` and returns a
float32 fluorophore density of ``shape`` (YX or ZYX) with maximum 1, the same for the same seed.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np

from .actin import actin
from .filaments import microtubules
from .nuclei import nuclei
from .reticulum import er
from .vesicles import beads, ccp

Specimen = Callable[..., np.ndarray]

SPECIMENS: dict[str, Specimen] = {
    "microtubules": microtubules,
    "actin": actin,
    "ccp": ccp,
    "er": er,
    "nuclei": nuclei,
    "beads": beads,
}


def render_specimen(
    name: str,
    shape: Sequence[int],
    pixel_size_nm: float,
    z_step_nm: Optional[float] = None,
    seed: int = 0,
    **options,
) -> np.ndarray:
    """The registered specimen ``name``, with a clear error for a name that is not registered."""
    if name not in SPECIMENS:
        raise ValueError(f"unknown specimen {name!r}; choose one of {', '.join(SPECIMENS)}")
    return SPECIMENS[name](shape, pixel_size_nm, z_step_nm=z_step_nm, seed=seed, **options)
