"""A verb's method prepared for chunked work: its halo, what it computes once, what per chunk.

A verb's entry in :data:`~napari_inverse.distributed.registry.CHUNKED_VERBS` turns the verb's
options into one of these on the client. Everything in it is sent to the workers, so its
functions are module-level and its settings plain data (arrays, numbers, names).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

# restore(block read with its halo, the method, its block's statistic, device, cancel)
#     -> {output name: array of the block's shape}
Restore = Callable[[np.ndarray, "ChunkedMethod", Any, str, Any], dict[str, np.ndarray]]
# statistic(a whole spatial block, the method) -> a small value the block's chunks share
Statistic = Callable[[np.ndarray, "ChunkedMethod"], Any]


@dataclass(frozen=True)
class ChunkedMethod:
    """How one method runs chunk by chunk.

    ``halo``: pixels of context per spatial axis (``spatial_axes`` order) — the PSF's support,
    the network's receptive field. ``align``: the network's subsampling (chunks start on its
    grid). ``statistic``, when set, is computed once per spatial block before the chunks (a
    plane's percentiles, an iteration count chosen on the plane) so that every chunk of the
    block is processed as the whole block would be. ``outputs`` names what ``restore`` returns,
    "image" first. ``metadata`` (JSON) is recorded with the result.
    """

    spatial_axes: str
    halo: tuple[int, ...]
    restore: Restore
    settings: dict[str, Any]
    metadata: dict[str, Any]
    align: int = 1
    statistic: Optional[Statistic] = None
    outputs: tuple[str, ...] = field(default=("image",))
