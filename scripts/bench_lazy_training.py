"""Peak memory of N2V fine-tuning on a long time-lapse that lives on disk (issue 5, memory).

Writes a 1000×512×512 uint16 noisy time-lapse (500 MB) as a raw memmap in a temporary folder,
then fine-tunes ``n2v-fluorescence`` on it for a few steps in a fresh process and prints that
process's peak resident memory (VmHWM). Patches are read lazily, so the figure is torch plus a few
batches, not the movie; pages of the file that were read count towards RSS too, but only those.

    .venv/bin/python scripts/bench_lazy_training.py [--frames 1000] [--size 512] [--steps 5]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHUNK_FRAMES = 50


def write_movie(path: Path, frames: int, size: int, seed: int = 0) -> None:
    """Poisson noise on drifting blobs, written a chunk of frames at a time (never whole)."""
    movie = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint16, shape=(frames, size, size))
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:size, :size] / size
    for start in range(0, frames, CHUNK_FRAMES):
        for t in range(start, min(start + CHUNK_FRAMES, frames)):
            phase = 2 * np.pi * t / frames
            signal = 5 + 20 * (np.sin(12 * x + phase) * np.sin(9 * y - phase)) ** 8
            movie[t] = rng.poisson(signal) + 100  # a camera offset, as in real uint16 data
        movie.flush()
    del movie


def train(path: Path, steps: int, device: str) -> None:
    """Runs in the fresh process: fine-tune on the memory-mapped movie, print peak RSS."""
    import torch

    from napari_inverse import fine_tune

    torch.set_num_threads(1)
    movie = np.load(path, mmap_mode="r")
    before = _status("VmHWM")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        result = fine_tune(movie, name="lazy-bench", out=out, steps=steps, axes="TYX",
                           device=device)
    print(f"input: {movie.shape} {movie.dtype} memmap ({movie.nbytes / 2**20:.0f} MiB on disk)")
    print(f"trained {result.card.steps} steps × batch {result.card.batch_size} of "
          f"{result.card.patch_size}² patches in {time.perf_counter() - started:.1f} s on "
          f"{result.card.hardware}")
    print(f"peak RSS before training (imports): {before}")
    print(f"peak RSS (VmHWM): {_status('VmHWM')}; now RssAnon {_status('RssAnon')}, "
          f"RssFile {_status('RssFile')}")


def _status(field: str) -> str:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            kib = int(line.split()[1])
            return f"{kib / 2**20:.2f} GiB" if kib > 2**20 else f"{kib / 1024:.0f} MiB"
    return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--train", metavar="NPY", help=argparse.SUPPRESS)  # the fresh process
    args = parser.parse_args()
    if args.train:
        train(Path(args.train), args.steps, args.device)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "movie.npy"
        started = time.perf_counter()
        write_movie(path, args.frames, args.size)
        seconds = time.perf_counter() - started
        print(f"wrote {path.stat().st_size / 2**20:.0f} MiB in {seconds:.0f} s",
              flush=True)
        return subprocess.call([sys.executable, __file__, "--train", str(path), "--steps",
                                str(args.steps), "--device", args.device])


if __name__ == "__main__":
    sys.exit(main())
