"""Phase retrieval and focus segmentation chunk by chunk over time: each chunk one whole stack,
so the result equals the verb's, with the outputs that drop Z on their own grid."""
from __future__ import annotations

import numpy as np
import pytest

from napari_inverse import Optics, retrieve_phase, segment_focus
from napari_inverse.distributed import run_chunked
from napari_inverse.io import create_ome_zarr, read_ome_zarr
from napari_inverse.simulate import cell_phase, defocus_stack, focal_stack

PHASE_OPTICS = Optics(na=0.4, wavelength_nm=550, pixel_size_nm=210, refractive_index=1.0,
                      z_step_nm=1000)
FOCUS_OPTICS = Optics(na=0.5, wavelength_nm=520, pixel_size_nm=325, refractive_index=1.0,
                      z_step_nm=1000)


def _stored(path, stack, axes, sizes):
    create_ome_zarr(path, stack.shape, axes, sizes, (1,) * (stack.ndim - 2) + (32, 32))[:] = stack
    return path


def test_phase_of_a_time_lapse_is_chunked_over_time_and_equals_the_verb(tmp_path):
    frames = np.stack([defocus_stack(
        cell_phase((80, 96), 210.0, n_cells=2, cell_diameter_nm=5000, max_phase_rad=1.0,
                   seed=seed), wavelength_nm=550, pixel_size_nm=210.0,
        dz_nm=(-1000.0, 0.0, 1000.0), na=0.4, photons=None).intensity for seed in (1, 2)])
    path = _stored(tmp_path / "phase_in.ome.zarr", frames.astype(np.float32), "TZYX",
                   {"Z": 1000.0, "Y": 210.0, "X": 210.0})
    reference = retrieve_phase(frames, "teague", axes="TZYX", optics=PHASE_OPTICS, device="cpu")
    run = run_chunked("retrieve_phase", path, tmp_path / "phase.ome.zarr", chunk=32,
                      method="teague", optics=PHASE_OPTICS, device="cpu")
    assert run.chunks == 2  # one per time point, whatever the chunk size: a global solve
    written = read_ome_zarr(run.output)
    assert written.axes == "TYX" and written.pixel_size_nm == {"Y": 210.0, "X": 210.0}
    np.testing.assert_allclose(written.data, reference.image, rtol=0, atol=1e-6)
    path_nm = read_ome_zarr(run.output / "optical_path_nm").data
    np.testing.assert_allclose(path_nm, reference.extras["optical_path_nm"], rtol=0, atol=1e-4)


def test_focus_of_a_time_lapse_is_chunked_over_time_and_equals_the_verb(tmp_path):
    stacks = np.stack([focal_stack((64, 64), FOCUS_OPTICS, n_planes=6, scene="surface",
                                   photons=500, psf_model="born_wolf", seed=seed).stack
                       for seed in (2, 3)]).astype(np.float32)
    path = _stored(tmp_path / "focus_in.ome.zarr", stacks, "TZYX",
                   {"Z": 1000.0, "Y": 325.0, "X": 325.0})
    reference = segment_focus(stacks, axes="TZYX", optics=FOCUS_OPTICS, device="cpu")
    run = run_chunked("segment_focus", path, tmp_path / "focus.ome.zarr", chunk=32,
                      optics=FOCUS_OPTICS, device="cpu")
    assert run.chunks == 2
    np.testing.assert_array_equal(read_ome_zarr(run.output).data, reference.image)
    depth = read_ome_zarr(run.output / "depth_nm")
    assert depth.axes == "TYX"
    np.testing.assert_array_equal(depth.data, reference.extras["depth_nm"])
    np.testing.assert_array_equal(read_ome_zarr(run.output / "all_in_focus").data,
                                  reference.extras["all_in_focus"])


def test_a_stack_without_z_is_refused_for_focus(tmp_path):
    from napari_inverse.engine import InvalidInput

    with pytest.raises(InvalidInput, match="focal stack"):
        run_chunked("segment_focus", np.zeros((2, 32, 32), np.float32),
                    tmp_path / "f.ome.zarr", axes="TYX")
