"""IoU and Dice on hand-made masks, including the empty-empty convention."""
import numpy as np
import pytest

from napari_inverse.metrics import dice, iou


def test_iou_and_dice_of_overlapping_squares():
    truth = np.zeros((10, 10), bool)
    prediction = np.zeros((10, 10), bool)
    truth[0:4, 0:4] = True  # 16 pixels
    prediction[2:6, 0:4] = True  # 16 pixels, 8 shared
    assert iou(truth, prediction) == pytest.approx(8 / 24)
    assert dice(truth, prediction) == pytest.approx(16 / 32)
    overlap = iou(truth, prediction)
    assert dice(truth, prediction) == pytest.approx(2 * overlap / (1 + overlap))


def test_identical_disjoint_and_empty_masks():
    mask = np.eye(5, dtype=bool)
    assert iou(mask, mask) == dice(mask, mask) == 1.0
    assert iou(mask, ~mask) == dice(mask, ~mask) == 0.0
    empty = np.zeros((5, 5), bool)
    assert iou(empty, empty) == dice(empty, empty) == 1.0  # nothing to find, nothing found
    assert iou(mask, empty) == dice(mask, empty) == 0.0


def test_masks_of_zeros_and_ones_are_accepted_others_refused():
    assert iou(np.eye(3, dtype=np.uint8), np.eye(3)) == 1.0
    with pytest.raises(ValueError, match="not a boolean mask"):
        iou(np.eye(3), 0.7 * np.eye(3))
    with pytest.raises(ValueError, match="shapes differ"):
        dice(np.eye(3), np.eye(4))
