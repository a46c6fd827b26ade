"""The chunk grid: cores tile the image once, reads add the halo, networks keep their grid."""
from __future__ import annotations

import numpy as np
import pytest

from napari_inverse.distributed.chunk_plan import (block_region, chunk_shape, plan_chunks,
                                                   rounded_halo)
from napari_inverse.engine import InvalidInput


def test_cores_cover_every_pixel_once_and_reads_add_the_halo_inside_the_image():
    shape, axes = (3, 70, 100), "TYX"
    steps = chunk_shape(shape, axes, "YX", 32)
    assert steps == (1, 32, 32)
    chunks = plan_chunks(shape, axes, "YX", steps, (5, 7))
    covered = np.zeros(shape, int)
    region = np.arange(np.prod(shape)).reshape(shape)
    for chunk in chunks:
        covered[chunk.core] += 1
        assert chunk.read[0] == chunk.core[0]  # no halo across time points
        for read, core, halo, n in zip(chunk.read[1:], chunk.core[1:], (5, 7), shape[1:]):
            assert (read.start, read.stop) == (max(core.start - halo, 0), min(core.stop + halo, n))
        np.testing.assert_array_equal(region[chunk.read][chunk.crop], region[chunk.core])
    assert (covered == 1).all()
    assert len(chunks) == 3 * 3 * 4
    assert len({chunk.key for chunk in chunks}) == len(chunks)


def test_a_chunk_knows_its_plane():
    chunk = plan_chunks((2, 4, 64, 64), "TZYX", "YX", (1, 1, 32, 32), (4, 4))[25]
    assert chunk.block("TZYX", "YX") == (1, 2)
    assert block_region((1, 2), "TZYX", "YX") == (slice(1, 2), slice(2, 3), slice(None),
                                                   slice(None))


def test_a_network_keeps_its_grid_and_tiny_chunks_are_refused():
    assert rounded_halo((30, 32), 4) == (32, 32)
    assert chunk_shape((50, 50), "YX", "YX", 64, align=4) == (50, 50)  # whole axis: any size
    with pytest.raises(InvalidInput, match="multiple of 4.*try 100"):
        chunk_shape((500, 500), "YX", "YX", 102, align=4)
    with pytest.raises(InvalidInput, match="too small"):
        chunk_shape((500, 500), "YX", "YX", 4)
