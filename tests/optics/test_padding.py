"""The tensor padding equals numpy's symmetric padding, and calls back while it copies."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_inverse.optics.padding import pad_for_fft, pad_for_fft_tensor


@pytest.mark.parametrize("shape, psf_shape", [((30, 41), (9, 9)), ((50, 60, 70), (7, 8, 9)),
                                              ((5, 17, 20), (27, 21, 21)), ((3, 4), (31, 31))],
                         ids=["2d", "3d", "3d-wider-than-the-stack", "2d-wider-than-the-image"])
def test_the_tensor_padding_is_numpys(shape, psf_shape):
    image = np.random.default_rng(0).random(shape, dtype=np.float32)
    kept = image.copy()
    calls = []
    padded, crop = pad_for_fft_tensor(image, psf_shape, torch.device("cpu"),
                                      lambda: calls.append(1))
    expected, expected_crop = pad_for_fft(image, psf_shape)
    np.testing.assert_array_equal(padded.numpy(), expected)
    assert crop == expected_crop
    np.testing.assert_array_equal(image, kept)
    assert calls or any(c.start > n for c, n in zip(crop, shape))
