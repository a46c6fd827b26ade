"""The one return type of every verb: the image, named extra arrays and what produced them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Result:
    """``image`` has the input's shape and grid;
    ``extras`` holds named arrays such as "uncertainty" or "psf"; ``metadata`` records the method,
    parameters, optics, device and seconds, so a result can always be traced back.
    """

    image: np.ndarray
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
