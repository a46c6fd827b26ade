"""On a dask.distributed LocalCluster of two worker processes on 127.0.0.1: the verbs' results,
and a job that survives one of its workers being killed."""
from __future__ import annotations

import os
import signal

import distributed
import pytest
import tifffile

from napari_inverse.distributed import run_chunked
from napari_inverse.distributed.workers import worker_slot
from napari_inverse.io import read_ome_zarr

from .conftest import CHUNK, RL_OPTIONS, relative_difference

TOLERANCE = 1e-5
pytestmark = pytest.mark.slow  # starting worker processes that import torch: ~20 s on 2 cores


@pytest.fixture(scope="module")
def client():
    environment = dict(os.environ)  # the nannies write their pre-spawn variables into it
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=":0")
    os.environ.clear()
    os.environ.update(environment)
    with distributed.Client(cluster) as connected:
        yield connected
    cluster.close()


def test_each_worker_has_its_own_number_for_its_gpu(client):
    addresses = list(client.scheduler_info()["workers"])
    slots = client.gather([client.submit(worker_slot, workers=[address], pure=False)
                           for address in addresses])  # in a task, as a chunk asks
    assert sorted(slots) == [0, 1]


def test_two_workers_give_the_verbs_results(client, stack, stack_file, rl_reference,
                                            n2v_reference, optics, tmp_path):
    tiff = tmp_path / "stack.tif"
    tifffile.imwrite(tiff, stack, imagej=True, metadata={"axes": "TYX"})
    for source in (stack_file, tiff):  # each worker opens the file by its path
        run = run_chunked("deconvolve", source, tmp_path / f"rl-{source.suffix}.ome.zarr",
                          chunk=CHUNK, scheduler=client, optics=optics, device="cpu",
                          **RL_OPTIONS)
        assert run.computed == 18
        assert relative_difference(read_ome_zarr(run.output).data, rl_reference) < TOLERANCE
    run = run_chunked("denoise", stack_file, tmp_path / "n2v.ome.zarr", chunk=CHUNK,
                      scheduler=client, method="n2v", device="cpu", precision="float32")
    assert relative_difference(read_ome_zarr(run.output).data, n2v_reference) < TOLERANCE


def test_a_worker_killed_mid_run_leaves_a_complete_correct_output(
        client, stack_file, rl_reference, optics, tmp_path):
    pids = client.run(os.getpid)
    killed_at = []

    def kill_one_worker(done, total, message):
        if done >= 3 and not killed_at:
            os.kill(min(pids.values()), signal.SIGKILL)
            killed_at.append(done)

    run = run_chunked("deconvolve", stack_file, tmp_path / "survived.ome.zarr", chunk=CHUNK,
                      scheduler=client, optics=optics, device="cpu", progress=kill_one_worker,
                      **RL_OPTIONS)
    assert killed_at and killed_at[0] < run.chunks  # killed while chunks were still to run
    assert run.computed == run.chunks == 18
    assert relative_difference(read_ome_zarr(run.output).data, rl_reference) < TOLERANCE
