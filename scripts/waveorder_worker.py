"""Run waveorder's ``isotropic_thin_3d`` on the stacks ``scripts/compare_waveorder.py`` saved.

Runs ONLY in waveorder's own environment (``/work/peers/waveorder-venv``), never in the
project's: ``python scripts/waveorder_worker.py STACKS.npz RESULT.npz``. For each stack it
builds the transfer functions and singular system (timed as "setup"), applies the Tikhonov
inverse (timed as "solve") for every regularisation strength and both signs of the defocus
axis (waveorder's ``invert_phase_contrast``), and saves every phase with the times.
"""
from __future__ import annotations

import sys
import time

import numpy as np
import torch
from waveorder.models import isotropic_thin_3d

STRENGTHS = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)


def main(stacks_path: str, result_path: str) -> None:
    torch.set_num_threads(1)
    stacks = np.load(stacks_path)
    meta = {key: float(stacks[key]) for key in ("pixel_um", "wavelength_um", "n_medium", "na")}
    out: dict[str, np.ndarray] = {}
    for name in [k[len("planes:"):] for k in stacks.files if k.startswith("planes:")]:
        planes = torch.as_tensor(stacks[f"planes:{name}"], dtype=torch.float32)
        z_um = [float(z) / 1000 for z in stacks[f"dz_nm:{name}"]]
        condenser = float(stacks[f"condenser_na:{name}"])
        timing_only = name.startswith("speed")  # the 2048² stack: one setting, for the time
        for invert in (False,) if timing_only else (False, True):
            started = time.perf_counter()
            absorption_tf, phase_tf = isotropic_thin_3d.calculate_transfer_function(
                tuple(planes.shape[-2:]), meta["pixel_um"], z_um, meta["wavelength_um"],
                meta["n_medium"], condenser, meta["na"], invert_phase_contrast=invert)
            system = isotropic_thin_3d.calculate_singular_system(absorption_tf, phase_tf)
            setup = time.perf_counter() - started
            for strength in STRENGTHS[1:2] if timing_only else STRENGTHS:
                started = time.perf_counter()
                _, phase = isotropic_thin_3d.apply_inverse_transfer_function(
                    planes, system, regularization_strength=strength)
                solve = time.perf_counter() - started
                key = f"{name}|{int(invert)}|{strength:g}"
                out[f"phase:{key}"] = phase.numpy()
                out[f"seconds:{key}"] = np.array([setup, solve])
    np.savez(result_path, **out)


if __name__ == "__main__":
    main(*sys.argv[1:3])
