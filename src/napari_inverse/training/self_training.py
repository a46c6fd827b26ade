"""Self-training of the in-focus network: a run that continues a trained network learns from that
network's own in-focus masks of the pool's stacks instead of the weak labels.

The weak labels' errors are a fixed function of the scene (docs/benchmarks.md), so a network
trained on them tracks them. Its own masks, the depth-of-field rule on the depth its probability
gives, are closer to the truth than the labels it learned from, and a network trained on them
gains again. No true mask is used: the masks come from the stacks and the starting network.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from ..classical.focus_from_probability import in_focus_from_probability
from ..zoo import load_model_for_inference
from ..zoo.focus_inference import focus_probability
from .focal_sampler import pool_depths_of_field
from .simulated import save_pool_array


def self_trained_targets(start: str | Path, inputs: np.ndarray, first_seed: int, ranges,
                         folder: Optional[Path], device) -> np.ndarray:
    """The in-focus masks (float32, like ``inputs``' (N, Z, Y, X)) that network ``start`` gives
    the pool's stacks, simulated from ``first_seed`` on through ``ranges``; cached in ``folder``
    under the start's weights' digest, so another start never reuses them."""
    model = load_model_for_inference(start, device)
    path = None if folder is None else Path(folder) / (
        f"focus-{len(inputs)}x{inputs.shape[-2]}x{inputs.shape[-1]}-seed{first_seed}"
        f"-self-trained-{model.card.sha256[:10]}-target.npy")
    if path is not None and path.is_file():
        return np.load(path, mmap_mode="r")
    targets = np.zeros(inputs.shape, dtype=np.float32)
    depths_of_field = pool_depths_of_field(first_seed, len(inputs), ranges)
    for i, depth_of_field in enumerate(depths_of_field):
        probability = focus_probability(model, np.asarray(inputs[i]), depth_of_field)
        targets[i] = in_focus_from_probability(probability, depth_of_field)[0]
    if path is not None:
        save_pool_array(path, targets)
    return targets
