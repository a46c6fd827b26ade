"""CVDM chunk by chunk on a twice finer grid: a seed per chunk makes a rerun write the same
numbers, and the chunked samples follow the verb's distribution.

Sampling is random and a chunk's draws cannot be the whole image's (the verb's own tiles draw
in another order), so equality means: the chunked mean differs from the verb's by what two
independent means of the same distribution differ by, in units of their standard error
sqrt((s₁² + s₂²) / samples) from each run's sample spread s (median |z| ≈ 0.67 for a normal).
"""
from __future__ import annotations

import numpy as np
import pytest

from napari_inverse import Optics, super_resolve
from napari_inverse.distributed import run_chunked
from napari_inverse.io import read_ome_zarr
from napari_inverse.simulate import filaments, simulate_widefield

OPTIONS = {"method": "cvdm", "samples": 4, "steps": 3, "seed": 1, "upsample": 2,
           "precision": "float32", "device": "cpu"}


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    optics = Optics(na=1.4, wavelength_nm=520, pixel_size_nm=65)
    return simulate_widefield(filaments((64, 72), 65.0, seed=3), optics, photons=500,
                              seed=3).image.astype(np.float32)


def test_chunked_samples_follow_the_verb_and_a_rerun_writes_the_same(image, tmp_path,
                                                                      single_thread):
    reference = super_resolve(image, **OPTIONS)
    output = tmp_path / "sr.ome.zarr"
    run = run_chunked("super_resolve", image, output, axes="YX", chunk=32,
                      pixel_size_nm={"Y": 65.0, "X": 65.0}, **OPTIONS)
    assert run.chunks == 6
    written = read_ome_zarr(output)
    assert written.data.shape == (128, 144) and written.pixel_size_nm == {"Y": 32.5, "X": 32.5}
    mean = np.asarray(written.data)
    factor = reference.metadata["uncertainty_calibration"]["factor"]
    spread = np.asarray(read_ome_zarr(output / "uncertainty").data) / factor
    spread_in_memory = reference.extras["uncertainty"] / factor
    error = np.sqrt((spread ** 2 + spread_in_memory ** 2) / OPTIONS["samples"]) + 1e-6
    z = np.abs(mean - reference.image) / error
    assert np.median(z) < 1.0 and np.percentile(z, 99) < 5.0
    assert 0.8 < np.median(spread / np.maximum(spread_in_memory, 1e-6)) < 1.25

    marker = output / "napari_inverse_job" / "done" / "0.1"
    marker.unlink()  # that chunk is computed again, from its own seed
    rerun = run_chunked("super_resolve", image, output, axes="YX", chunk=32,
                        pixel_size_nm={"Y": 65.0, "X": 65.0}, **OPTIONS)
    assert (rerun.computed, rerun.skipped) == (1, 5)
    np.testing.assert_array_equal(read_ome_zarr(output).data, mean)


def test_resampling_to_the_model_grid_is_refused_chunk_by_chunk(image, tmp_path):
    from napari_inverse.engine.validation import InvalidInput

    optics = Optics(na=1.4, wavelength_nm=520, pixel_size_nm=65)
    with pytest.raises(InvalidInput, match="resample=True is not available chunk by chunk"):
        run_chunked("super_resolve", image, tmp_path / "out.ome.zarr", axes="YX",
                    chunk=32, optics=optics, resample=True, **OPTIONS)
