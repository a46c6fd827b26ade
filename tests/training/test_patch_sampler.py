"""Patches are read lazily, scaled by the input's percentiles, and augmented consistently."""
from __future__ import annotations

import numpy as np
import pytest

from napari_inverse.engine.normalisation import normalise, percentile_normalise
from napari_inverse.training import PatchSampler


class RecordingArray:
    """An array-like that remembers every region read, to prove sampling is lazy."""

    def __init__(self, data):
        self.data, self.reads = data, []
        self.shape, self.ndim, self.dtype = data.shape, data.ndim, data.dtype

    def __getitem__(self, key):
        self.reads.append(key)
        return self.data[key]


def test_batches_have_the_patch_shape_and_targets_share_the_input_scaling():
    rng = np.random.default_rng(0)
    x = rng.uniform(100, 200, (3, 64, 64)).astype(np.float32)
    sampler = PatchSampler([x], [2 * x], (16, 16), seed=1)
    batch_x, batch_y = sampler.sample(8)
    assert batch_x.shape == batch_y.shape == (8, 1, 16, 16)
    low, high = sampler.frame_bounds(0)
    assert (low, high) == pytest.approx(tuple(np.percentile(x[0], [1, 99.8])), rel=1e-5)
    # y = 2x in raw units → y' = 2x' + low/(high-low) after the shared affine map, whatever
    # the flips
    for frame in range(3):
        patch_x, patch_y = sampler.patch_at(frame, None)
        low, high = sampler.frame_bounds(frame)
        np.testing.assert_allclose(patch_y, 2 * patch_x + low / (high - low), rtol=1e-4, atol=1e-4)


def test_a_frame_is_scaled_exactly_as_the_verbs_scale_it():
    """Training and inference share one normalisation: a whole-frame patch (no subsampling, no
    augmentation) equals percentile_normalise of the frame, a flat frame's eps included."""
    rng = np.random.default_rng(6)
    frames = np.stack([rng.gamma(2.0, 300.0, (48, 40)) + 100.0, np.full((48, 40), 1000.0)])
    frames = frames.astype(np.float32)
    sampler = PatchSampler([frames], [2 * frames], (48, 40), augment=False)
    for frame in range(2):
        expected, bounds = percentile_normalise(frames[frame])
        x, y = sampler.patch_at(frame, (0, 0))
        assert sampler.frame_bounds(frame) == bounds
        assert np.array_equal(x, expected) and x.dtype == np.float32
        assert np.array_equal(y, normalise(2 * frames[frame], bounds))  # the input's bounds


def test_sampling_reads_patch_sized_blocks_only():
    movie = RecordingArray(np.random.default_rng(1).normal(size=(50, 128, 128)).astype(np.float32))
    sampler = PatchSampler([movie], None, (32, 32), seed=2)
    x, y = sampler.sample(4)
    assert y is None and x.shape == (4, 1, 32, 32)
    patch_reads = [k for k in movie.reads if isinstance(k, tuple) and len(k) == 3]
    assert len(patch_reads) == 4
    assert all(k[1].stop - k[1].start == 32 and k[2].stop - k[2].start == 32 for k in patch_reads)
    frame_reads = [k for k in movie.reads if isinstance(k, tuple) and len(k) == 1]
    assert len(frame_reads) <= 4  # one whole frame per new frame, for its percentiles


def test_augmentation_covers_flips_and_rotations():
    image = np.arange(16 * 16, dtype=np.float32).reshape(16, 16)
    sampler = PatchSampler([image], None, (16, 16), seed=3)
    seen = {sampler.patch_at(0, None)[0].tobytes() for _ in range(200)}
    assert len(seen) == 8  # the dihedral group of the square


def test_validation_batches_are_fixed_and_unaugmented():
    image = np.random.default_rng(4).normal(size=(2, 40, 40)).astype(np.float32)
    sampler = PatchSampler([image], [image], (8, 8), seed=5)
    first = sampler.fixed_batches(10, 4)
    sampler.sample(16)
    second = sampler.fixed_batches(10, 4)
    assert [b[0].shape[0] for b in first] == [4, 4, 2]
    for (a, _), (b, _) in zip(first, second):
        assert np.array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("inputs, targets, patch, message", [
    ([np.zeros((8, 8))], None, (16, 16), "smaller than the patch"),
    ([np.zeros((32, 32))], [np.zeros((16, 16))], (8, 8), "pairs must share a grid"),
    ([np.zeros((32, 32))], [], (8, 8), "one target per input"),
    ([], None, (8, 8), "no training images"),
])
def test_bad_training_data_is_refused_with_the_fix(inputs, targets, patch, message):
    with pytest.raises(ValueError, match=message):
        PatchSampler(inputs, targets, patch)


def test_nan_in_training_images_is_named():
    image = np.ones((32, 32), dtype=np.float32)
    image[3, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        PatchSampler([image], None, (8, 8)).sample(1)
