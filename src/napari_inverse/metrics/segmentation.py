"""Overlap of a predicted mask with a true one: IoU (Jaccard index) and Dice (F1) coefficient.

When both masks are empty the ratio is 0/0; both functions return 1.0 then, because the
prediction agrees perfectly with a truth that has nothing to find (an image with no in-focus
object, say), and a mean over many images stays defined.
"""
from __future__ import annotations

import numpy as np


def _as_masks(truth, prediction) -> tuple[np.ndarray, np.ndarray]:
    """Both masks as bool, refusing shape mismatches and values other than 0/1."""
    if np.shape(truth) != np.shape(prediction):
        raise ValueError(
            f"shapes differ: truth {np.shape(truth)}, prediction {np.shape(prediction)}"
        )
    masks = []
    for name, mask in (("truth", truth), ("prediction", prediction)):
        mask = np.asarray(mask)
        if mask.dtype != bool and not np.isin(mask, (0, 1)).all():
            raise ValueError(
                f"{name} is not a boolean mask; threshold it first (e.g. probability > 0.5)"
            )
        masks.append(mask.astype(bool))
    return masks[0], masks[1]


def iou(truth, prediction) -> float:
    """|truth ∩ prediction| / |truth ∪ prediction|; 1.0 when both are empty."""
    truth, prediction = _as_masks(truth, prediction)
    union = np.count_nonzero(truth | prediction)
    return 1.0 if union == 0 else np.count_nonzero(truth & prediction) / union


def dice(truth, prediction) -> float:
    """2·|truth ∩ prediction| / (|truth| + |prediction|) = 2·IoU/(1 + IoU); 1.0 if both empty."""
    truth, prediction = _as_masks(truth, prediction)
    total = np.count_nonzero(truth) + np.count_nonzero(prediction)
    return 1.0 if total == 0 else 2 * np.count_nonzero(truth & prediction) / total
