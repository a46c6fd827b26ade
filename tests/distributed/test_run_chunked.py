"""Chunk by chunk on local threads: the same result as the verb, resumable, failures retried."""
from __future__ import annotations

import numpy as np
import pytest
import tifffile
import zarr

from napari_inverse import Cancelled, CancelToken, deconvolve
from napari_inverse.distributed import run_chunked
from napari_inverse.engine import InvalidInput
from napari_inverse.io import read_ome_zarr

from .conftest import CHUNK, RL_OPTIONS, relative_difference

TOLERANCE = 1e-5  # of the range: what the issue asks of a chunked result


def test_richardson_lucy_by_chunks_equals_the_verb_with_axes_and_pixel_size_kept(
        stack_file, rl_reference, optics, tmp_path, single_thread):
    output = tmp_path / "rl.ome.zarr"
    run = run_chunked("deconvolve", stack_file, output, chunk=CHUNK, workers=2, optics=optics,
                      device="cpu", **RL_OPTIONS)
    assert (run.chunks, run.computed, run.skipped, run.retried) == (18, 18, 0, 0)
    written = read_ome_zarr(output)
    assert written.axes == "TYX" and written.pixel_size_nm == {"Y": 65.0, "X": 65.0}
    assert relative_difference(written.data, rl_reference) < TOLERANCE
    attributes = zarr.open_group(str(output)).attrs["napari_inverse"]
    assert attributes["method"] == "richardson_lucy" and attributes["parameters"]["iterations"] == 8


@pytest.mark.parametrize("iterations", [100, pytest.param(400, marks=pytest.mark.slow)])
def test_long_richardson_lucy_by_chunks_stays_within_the_tolerance(
        stack, optics, iterations, tmp_path, single_thread):
    """Past 20 iterations RL runs in float64: float32 round-off, which depends on each chunk's
    FFT grid, reached 1.8e-5 of the range at 100 iterations (docs/scale-out.md's limits)."""
    frame = stack[:1]
    reference = deconvolve(frame, "rl", axes="TYX", optics=optics, device="cpu",
                           iterations=iterations).image
    run = run_chunked("deconvolve", frame, tmp_path / "long.ome.zarr", axes="TYX", chunk=CHUNK,
                      optics=optics, device="cpu", method="rl", iterations=iterations)
    assert run.chunks == 9
    assert relative_difference(run.result().image, reference) < TOLERANCE


def test_a_network_by_chunks_equals_the_verb(stack_file, n2v_reference, tmp_path, single_thread):
    output = tmp_path / "n2v.ome.zarr"
    run = run_chunked("denoise", stack_file, output, chunk=CHUNK, workers=2, method="n2v",
                      device="cpu", precision="float32")
    assert run.computed == 18
    assert relative_difference(read_ome_zarr(output).data, n2v_reference) < TOLERANCE
    assert run.metadata["model"] == "n2v-fluorescence"


def test_the_automatic_iteration_count_is_chosen_per_plane_as_the_verb_does(
        stack, optics, tmp_path, single_thread):
    plane = stack[:1, :96, :96]
    reference = deconvolve(plane, "rl", axes="TYX", optics=optics, device="cpu")
    run = run_chunked("deconvolve", plane, tmp_path / "auto.ome.zarr", chunk=48, method="rl",
                      optics=optics, device="cpu")
    assert relative_difference(run.result().image, reference.image) < TOLERANCE


def test_a_stopped_job_resumes_without_redoing_the_chunks_written(
        stack_file, rl_reference, optics, tmp_path, single_thread):
    output, cancel, seen = tmp_path / "resumed.ome.zarr", CancelToken(), []

    def stop_after_five(done, total, message):
        seen.append(done)
        if done >= 5:
            cancel.set()

    with pytest.raises(Cancelled):
        run_chunked("deconvolve", stack_file, output, chunk=CHUNK, workers=1, optics=optics,
                    device="cpu", progress=stop_after_five, cancel=cancel, **RL_OPTIONS)
    marked = sorted(p.name for p in (output / "napari_inverse_job" / "done").iterdir())
    assert 5 <= len(marked) < 18
    run = run_chunked("deconvolve", stack_file, output, chunk=CHUNK, workers=2, optics=optics,
                      device="cpu", **RL_OPTIONS)
    assert (run.skipped, run.computed) == (len(marked), 18 - len(marked))
    assert relative_difference(read_ome_zarr(output).data, rl_reference) < TOLERANCE


def test_an_output_holding_another_job_is_refused_not_overwritten(
        stack_file, optics, tmp_path, single_thread):
    output = tmp_path / "taken.ome.zarr"
    run_chunked("deconvolve", stack_file, output, chunk=CHUNK, optics=optics, device="cpu",
                method="rl", iterations=1)
    with pytest.raises(InvalidInput, match="holds another job"):
        run_chunked("deconvolve", stack_file, output, chunk=CHUNK, optics=optics, device="cpu",
                    method="rl", iterations=2)
    (tmp_path / "other.ome.zarr").mkdir()
    with pytest.raises(InvalidInput, match="not written by a napari-inverse"):
        run_chunked("deconvolve", stack_file, tmp_path / "other.ome.zarr", optics=optics,
                    method="rl", iterations=1)


class _FailsOnce:
    """An array whose first read of one region fails, as a flaky network disk would."""

    def __init__(self, array) -> None:
        self.array, self.shape, self.ndim, self.failed = array, array.shape, array.ndim, False

    def __getitem__(self, region):
        if not self.failed and region[1].start == 0 and region[2].start == 0:
            self.failed = True
            raise OSError("simulated read error")
        return self.array[region]


def test_a_failing_chunk_is_retried_and_counted(stack, rl_reference, optics, tmp_path,
                                                single_thread):
    flaky = _FailsOnce(stack)
    run = run_chunked("deconvolve", flaky, tmp_path / "retried.ome.zarr", axes="TYX",
                      chunk=CHUNK, optics=optics, device="cpu", **RL_OPTIONS)
    assert flaky.failed and run.retried == 1 and run.computed == 18
    assert relative_difference(run.result().image, rl_reference) < TOLERANCE
    assert "1 failed attempts retried" in run.describe()


def test_a_tiff_is_read_by_each_worker_from_its_path(stack, rl_reference, optics, tmp_path,
                                                     single_thread):
    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, stack, imagej=True, resolution=(1 / 0.065, 1 / 0.065),
                     metadata={"unit": "um", "axes": "TYX"})
    run = run_chunked("deconvolve", path, tmp_path / "from_tiff.ome.zarr", chunk=CHUNK,
                      optics=optics, device="cpu", **RL_OPTIONS)
    assert relative_difference(run.result().image, rl_reference) < TOLERANCE
    assert read_ome_zarr(run.output).pixel_size_nm == pytest.approx({"Y": 65.0, "X": 65.0})


def test_arrays_in_memory_stay_on_the_local_threads_and_unknown_verbs_are_refused(tmp_path):
    with pytest.raises(InvalidInput, match="local threads only"):
        run_chunked("denoise", np.zeros((32, 32)), tmp_path / "p.ome.zarr", scheduler="processes")
    assert not (tmp_path / "p.ome.zarr").exists()
    with pytest.raises(InvalidInput, match="does not run chunk by chunk"):
        run_chunked("fine_tune", np.zeros((32, 32)), tmp_path / "x.ome.zarr")
    with pytest.raises(InvalidInput, match="constant regularization"):
        run_chunked("deconvolve", np.zeros((32, 32)), tmp_path / "w.ome.zarr", method="wiener",
                    psf=np.ones((3, 3)))


def test_only_a_few_chunks_per_worker_are_in_flight_and_retries_rejoin_the_queue():
    """Thousands of chunks are not submitted at once (waiting on all of them stalled the
    client's event loop until it lost the scheduler on a 20 GB stack); every item, and one
    appended on the way as a retry is, still comes back."""
    from collections import deque

    from napari_inverse.distributed.pools import ThreadPool
    from napari_inverse.distributed.run import IN_FLIGHT_PER_WORKER, _as_finished

    pool, in_flight, most = ThreadPool(2), set(), 0

    def submit(item):
        nonlocal most
        in_flight.add(item)
        most = max(most, len(in_flight))
        return pool.submit(lambda: item, key=str(item))

    queue, seen = deque(range(60)), []
    try:
        for item, future in _as_finished(pool, queue, submit, cancel=None):
            in_flight.discard(item)
            seen.append(future.result())
            if item == 5:
                queue.append(100)
    finally:
        pool.close()
    assert sorted(seen) == [*range(60), 100]
    assert most <= IN_FLIGHT_PER_WORKER * 2
