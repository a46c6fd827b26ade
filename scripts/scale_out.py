"""Issue 27's figures for the dask face, measured on this machine's CPUs.

    equality:   a 4096² image and a 64 × 1024² stack through a LocalCluster of 2 workers on
                127.0.0.1 against the in-process verbs (Richardson–Lucy, N2V), as the largest
                difference over the range
    throughput: the same chunks on 1 and on 2 worker processes (start-up excluded)
    memory:     the peak RSS of each worker while streaming virtual stacks of growing length
                (OME-Zarrs with no chunk stored: every read is the fill value), Wiener per plane

    PYTHONPATH=src .venv/bin/python scripts/scale_out.py equality|throughput|memory [--small]
        [--planes 64] [--only YX|ZYX] [--methods rl,n2v] [--lengths 64,512]
"""
from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from napari_inverse import Optics, deconvolve, denoise
from napari_inverse.distributed import run_chunked
from napari_inverse.io import create_ome_zarr, read_ome_zarr

OPTICS = Optics(na=1.4, wavelength_nm=520, pixel_size_nm=65)
RL = {"method": "rl", "iterations": 20}
N2V = {"method": "n2v", "precision": "float32"}


def simulated(shape, seed=0) -> np.ndarray:
    """Photon counts of widefield filaments, plane by plane (fast enough for 64 × 1024²)."""
    from napari_inverse.simulate import filaments, simulate_widefield

    planes = [simulate_widefield(filaments(shape[-2:], 65.0, n_filaments=max(8, shape[-1] // 32),
                                           seed=seed + i), OPTICS, photons=500,
                                 seed=seed + i).image
              for i in range(int(np.prod(shape[:-2])))]
    return np.stack(planes).reshape(shape).astype(np.float32)


def stored(folder: Path, name: str, image: np.ndarray, axes: str) -> Path:
    path = folder / f"{name}.ome.zarr"
    chunks = (1,) * (image.ndim - 2) + (1024, 1024)
    create_ome_zarr(path, image.shape, axes, {"Y": 65.0, "X": 65.0}, chunks)[:] = image
    return path


@contextlib.contextmanager
def local_cluster(workers: int):
    """A client of ``workers`` local processes with one thread each, all closed afterwards."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        yield client


def equality(folder: Path, small: bool, planes: int = 64, only: str = "",
             methods: str = "rl,n2v", **_) -> list[dict]:
    import torch

    torch.set_num_threads(1)
    cases = [("YX", (1024, 1024) if small else (4096, 4096)),
             ("ZYX", (4, 512, 512) if small else (planes, 1024, 1024))]
    cases = [case for case in cases if only in ("", case[0])]
    rows = []
    with local_cluster(2) as client:
        for axes, shape in cases:
            image = simulated(shape)
            path = stored(folder, f"in-{len(shape)}d", image, axes)
            for verb, function, options in (("deconvolve", deconvolve, RL),
                                            ("denoise", denoise, N2V)):
                if options["method"] not in methods.split(","):
                    continue
                started = time.perf_counter()
                extra = {"optics": OPTICS} if verb == "deconvolve" else {}
                reference = function(image, axes=axes, device="cpu", **options, **extra).image
                in_process = time.perf_counter() - started
                run = run_chunked(verb, path, folder / f"{verb}-{len(shape)}d.ome.zarr",
                                  scheduler=client, chunk=1024, device="cpu", **options, **extra)
                result = np.asarray(read_ome_zarr(run.output).data)
                rows.append({"shape": list(shape), "method": options["method"],
                             "max_difference_over_range":
                                 float(np.abs(result - reference).max() / np.ptp(reference)),
                             "chunks": run.chunks, "chunked_s": round(run.seconds, 1),
                             "in_process_s": round(in_process, 1)})
                print(json.dumps(rows[-1]), flush=True)
    return rows


def throughput(folder: Path, small: bool, planes: int = 16, **_) -> list[dict]:
    shape = (4, 1024, 1024) if small else (planes, 1024, 1024)
    path = stored(folder, "throughput", simulated(shape), "TYX")
    rows = []
    for workers in (1, 2):
        with local_cluster(workers) as client:
            for verb, options in (("deconvolve", RL), ("denoise", N2V)):
                extra = {"optics": OPTICS} if verb == "deconvolve" else {}
                output = folder / f"t-{verb}-{workers}.ome.zarr"
                run = run_chunked(verb, path, output, scheduler=client, chunk=1024,
                                  device="cpu", **options, **extra)
                rows.append({"workers": workers, "method": options["method"],
                             "chunks": run.chunks, "seconds": round(run.seconds, 1),
                             "mpixel_per_s": round(run.pixels / run.seconds / 1e6, 3)})
                print(json.dumps(rows[-1]), flush=True)
    return rows


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory(folder: Path, small: bool, lengths: str = "64,512", **_) -> list[dict]:
    lengths = (16, 64) if small else tuple(int(n) for n in lengths.split(","))
    rows = []
    for length in lengths:
        path = folder / f"virtual-{length}.ome.zarr"
        create_ome_zarr(path, (length, 1024, 1024), "TYX", {"Y": 65.0, "X": 65.0},
                        (1, 1024, 1024))
        with local_cluster(2) as client:
            run = run_chunked("deconvolve", path, folder / f"wiener-{length}.ome.zarr",
                              scheduler=client, chunk=1024, device="cpu", method="wiener",
                              regularization=0.001, optics=OPTICS)
            peaks = client.run(_peak_rss_mb)
        rows.append({"planes": length, "gigabytes_float32": round(length * 4 * 2**20 / 2**30, 2),
                     "chunks": run.chunks, "seconds": round(run.seconds, 1),
                     "peak_rss_mb_per_worker": sorted(round(p) for p in peaks.values())})
        print(json.dumps(rows[-1]), flush=True)
        shutil.rmtree(folder / f"wiener-{length}.ome.zarr")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("figure", choices=["equality", "throughput", "memory"])
    parser.add_argument("--small", action="store_true", help="quick sizes, to try the script")
    parser.add_argument("--planes", type=int, default=64, help="equality: the stack's planes")
    parser.add_argument("--only", choices=["YX", "ZYX"], default="",
                        help="equality: only the image (YX) or only the stack (ZYX)")
    parser.add_argument("--lengths", default="64,512",
                        help="memory: the virtual stacks' planes, comma-separated (5120: 20 GB)")
    parser.add_argument("--methods", default="rl,n2v",
                        help="equality: the methods to compare, comma-separated (rl, n2v)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        globals()[args.figure](Path(folder), args.small, planes=args.planes, only=args.only,
                                   methods=args.methods, lengths=args.lengths)


if __name__ == "__main__":
    main()
