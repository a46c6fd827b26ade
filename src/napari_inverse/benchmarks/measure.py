"""Simulate each benchmark's input once, then time every case in its own fresh process.

Inputs are saved as .npy so a worker maps them from disk: its peak memory then holds the run
alone, not the simulation that made the image.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from ..engine.memory import TUNING_ENV
from .cases import NA, PHOTONS, PIXEL_SIZE_NM, WAVELENGTH_NM, Z_STEP_NM, BenchCase


@dataclass
class Measurement:
    """What one worker reported, or why it has no numbers (``skipped``)."""

    seconds: Optional[float] = None  # the fastest of ``runs`` runs
    runs: Optional[int] = None
    kept_seconds: Optional[float] = None  # a trained model's, already built: see worker.py
    kept_runs: Optional[int] = None
    peak_rss: Optional[int] = None  # bytes, including the interpreter's own baseline
    baseline_rss: Optional[int] = None  # bytes right after the imports, before any work
    threads: Optional[int] = None
    device: Optional[str] = None
    precision: Optional[str] = None  # a trained network's number format, as the verb chose it
    tiles: Optional[int] = None
    load: Optional[float] = None  # 1-minute load average when the worker finished
    skipped: Optional[str] = None


def prepare_inputs(cases, folder: Path) -> dict[BenchCase, tuple[Path, Path]]:
    """Write each case's simulated image and PSF to ``folder``; return their paths per case."""
    from ..optics import Optics, psf_for_image, widefield_psf
    from ..simulate import filaments, simulate_widefield

    paths: dict[BenchCase, tuple[Path, Path]] = {}
    for case in cases:
        ndim = len(case.shape)
        z_step = Z_STEP_NM if ndim == 3 else None
        optics = Optics(NA, WAVELENGTH_NM, PIXEL_SIZE_NM, z_step_nm=z_step)
        tag = "x".join(map(str, case.shape))
        image_path = folder / f"image_{tag}.npy"
        psf = None
        if not image_path.exists():
            specimen = filaments(case.shape, PIXEL_SIZE_NM, z_step_nm=optics.z_step_nm, seed=0)
            pair = simulate_widefield(specimen, optics, photons=PHOTONS, seed=0)
            np.save(image_path, pair.image)
            psf = pair.psf  # the PSF the verb computes for these optics and this shape
            del specimen, pair
        if case.psf_shape is not None:
            psf = widefield_psf(optics, case.psf_shape, ndim=len(case.psf_shape))
        elif psf is None:
            psf = psf_for_image(optics, case.shape)
        psf_path = folder / f"psf_{tag}_{'x'.join(map(str, psf.shape))}.npy"
        np.save(psf_path, psf)
        paths[case] = (image_path, psf_path)
    return paths


def measure(
    case: BenchCase, image: Path, psf: Path, tool: str, device: str = "auto",
    timeout_s: Optional[float] = None, max_runs: int = 3,
) -> Measurement:
    """Run ``case`` with ``tool`` ("napari-inverse" or "scikit-image") in a fresh interpreter;
    report its fastest of up to ``max_runs`` runs."""
    spec = {
        "tool": tool, "method": case.method, "iterations": case.iterations,
        "tile_shape": case.tile_shape, "device": device, "image": str(image), "psf": str(psf),
        "max_runs": max_runs, "precision": case.precision,
    }
    try:
        answer = run_worker("napari_inverse.benchmarks.worker", spec, f"{case.label} ({tool})",
                            timeout_s)
    except subprocess.TimeoutExpired:
        return Measurement(skipped=f"stopped after {timeout_s / 60:.0f} min without finishing")
    return Measurement(**answer)


def run_worker(module: str, spec: dict, what: str, timeout_s: Optional[float] = None) -> dict:
    """Run ``python -m module SPEC`` in a fresh interpreter; the JSON of its last output line.

    Raises ``subprocess.TimeoutExpired`` past ``timeout_s``, and RuntimeError (with the worker's
    last error line) when it fails. Workers are batch processes, so they tune the allocator as
    the command line does (`engine.memory`).
    """
    from . import THREADS_ENV

    threads = os.environ.get(THREADS_ENV)  # bench --threads: torch's count in the worker too
    start = ["-m", "napari_inverse.benchmarks.threaded_worker", threads] if threads else ["-m"]
    command = [sys.executable, *start, module, json.dumps(spec)]
    env = {**os.environ, TUNING_ENV: "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, env=env)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"benchmark worker for {what} failed: {last}")
    return json.loads(done.stdout.strip().splitlines()[-1])
