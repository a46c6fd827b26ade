"""Tiling covers every pixel once, blends smoothly, and reproduces untiled processing."""
import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from napari_inverse.engine.tiling import plan_tiles, predict_tiled


@pytest.mark.parametrize("shape, tile", [((100, 130), (32, 48)), ((20, 33, 47), (8, 16, 16))])
def test_tiles_cover_the_image_and_weights_never_vanish(shape, tile):
    tiles = plan_tiles(shape, tile, overlap=[4] * len(shape), halo=[6] * len(shape))
    weight = np.zeros(shape)
    for t in tiles:
        weight[t.core] += t.weight
        assert all(c.stop - c.start == min(s, n) for c, s, n in zip(t.core, tile, shape))
    assert weight.min() > 0.05


@pytest.mark.parametrize("shape, tile", [((150, 170), (64, 64)), ((24, 60, 70), (12, 32, 32))])
def test_tiled_local_filter_matches_untiled(shape, tile):
    image = np.random.default_rng(0).random(shape).astype(np.float32)
    smooth = lambda block: gaussian_filter(block, 1.5, mode="mirror")  # noqa: E731
    tiled = predict_tiled(image, smooth, tile, overlap=[6] * len(shape), halo=[8] * len(shape))
    untiled = smooth(image)
    inner = tuple(slice(8, -8) for _ in shape)  # the filter's own border treatment differs there
    np.testing.assert_allclose(tiled[inner], untiled[inner], atol=1e-5)


def test_identity_is_reproduced_exactly_everywhere():
    image = np.random.default_rng(1).random((97, 131)).astype(np.float32)
    out = predict_tiled(image, lambda b: b, (40, 40), overlap=(10, 10), halo=(5, 5))
    np.testing.assert_allclose(out, image, rtol=1e-6)


def test_aligned_reads_start_on_the_grid_and_keep_at_least_the_halo():
    tiles = plan_tiles((301, 257), (90, 70), overlap=(16, 16), halo=(13, 13), align=4)
    for t in tiles:
        for read, core in zip(t.read, t.core):
            assert read.start % 4 == 0
            assert core.start - read.start >= min(13, core.start)


def test_a_subsampling_process_is_reproduced_when_reads_are_aligned():
    """A block's [::4, ::4] samples are the image's own when the block starts on the grid."""
    image = np.random.default_rng(2).random((150, 170)).astype(np.float32)

    def coarse_grid(block):  # keep each pixel only where it lies on the 4-grid of the block
        out = np.zeros_like(block)
        out[::4, ::4] = block[::4, ::4]
        return out

    tiled = predict_tiled(image, coarse_grid, (50, 50), (8, 8), (6, 6), align=4)
    np.testing.assert_allclose(tiled, coarse_grid(image), atol=1e-6)
