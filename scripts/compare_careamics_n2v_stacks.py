"""Noise2Void on a 3-D volume (ZYX) and a time-lapse (TYX), ours beside CAREamics, same seconds.

Usage:
    python scripts/compare_careamics_n2v_stacks.py IMG2D.tif PEER_PYTHON OUT_DIR
        [--seconds 150] [--cases zyx,tyx]

The volume is simulated nuclei (``simulate.nuclei``, 32×256×256 at 200 × 250 nm; stardist's
``img3d.tif``, 31×61×57, is too small for CAREamics' 3-D defaults: 16×64×64 patches tile it
once, and even at 16×32×32 its 8 held-out patches leave none to train on). The time-lapse is
8 frames of 256² cut from stardist's ``img2d.tif``, shifted (2, 3) px per frame. Both are
scaled and noised as in ``compare_careamics_n2v.py`` (20 photons). Each tool trains on the stack
alone from fresh weights for the same ``--seconds``, one process at a time, one thread:
CAREamics 0.3.5 (PEER_PYTHON, its defaults: 3-D N2V with 16×64×64 patches on the volume, 2-D N2V
over the frames of the movie), ours ``fine_tune(start=None, axes=...)``
(2-D N2V; a
volume's Z planes are its frames), whose saved model then denoises the stack through
``denoise``. Scores: the 2-D script's PSNR/SSIM after an affine fit, over the whole stack.
Writes ``OUT_DIR/careamics_n2v_stacks.json`` and ``.md``.
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import tifffile
import torch
from compare_careamics_n2v import (PEER, affine_scores, peer_parser, photon_image,
                                   unit_specimen)

from napari_inverse import denoise, fine_tune
from napari_inverse.simulate import nuclei
from napari_inverse.zoo.registry import MODELS_DIR_ENV

PHOTONS = 20
FRAMES, FRAME_SIDE, SHIFT = 8, 256, (2, 3)
VOLUME, PIXEL_NM, Z_STEP_NM = (32, 256, 256), 200.0, 250.0
CASES = {"zyx": "ZYX", "tyx": "TYX"}  # the axes both tools are given
OUR_STEPS = 2000  # a ceiling the time budget ends first; sets validation every 100 steps


def make_stacks(img2d: Path, folder: Path) -> None:
    """Write ``zyx`` and ``tyx`` ``.noisy.npy`` / ``.clean.npy`` (photo-electrons)."""
    volume = unit_specimen(nuclei(VOLUME, PIXEL_NM, Z_STEP_NM, seed=7))
    plane = unit_specimen(tifffile.imread(img2d))
    movie = np.stack([plane[SHIFT[0] * t:SHIFT[0] * t + FRAME_SIDE,
                            SHIFT[1] * t:SHIFT[1] * t + FRAME_SIDE] for t in range(FRAMES)])
    for seed, (name, specimen) in enumerate((("zyx", volume), ("tyx", movie)), start=3):
        noisy, clean = photon_image(specimen, PHOTONS, seed)
        np.save(folder / f"{name}.noisy.npy", np.asarray(noisy, dtype=np.float32))
        np.save(folder / f"{name}.clean.npy", clean)


def run_careamics(peer_python: str, folder: Path, case: str, seconds: float) -> dict:
    subprocess.run(["nice", "-n", "5", peer_python, str(PEER), str(folder), "--only", case,
                    "--axes", CASES[case], "--steps", "100000", "--seconds", str(seconds),
                    "--threads", "1"], check=True)
    return json.loads((folder / f"{case}.careamics.json").read_text())


def run_ours(folder: Path, case: str, seconds: float) -> dict:
    axes = CASES[case]
    noisy = np.load(folder / f"{case}.noisy.npy")
    started = time.perf_counter()
    result = fine_tune(noisy, start=None, axes=axes, steps=OUR_STEPS,
                       time_budget_s=seconds, device="cpu", seed=1)
    elapsed = time.perf_counter() - started
    restored = denoise(noisy, "n2v", model=result.entry.weights, axes=axes, device="cpu",
                       precision="float32").image
    np.save(folder / f"{case}.ours.npy", np.asarray(restored, dtype=np.float32))
    card = result.card
    record = {"steps": card.steps, "seconds": elapsed, "patches_per_step": card.batch_size,
              "patch_shape": [card.patch_size] * 2, "parameters": card.parameter_count}
    (folder / f"{case}.ours.json").write_text(json.dumps(record))
    return record


def stack_scores(clean: np.ndarray, output: np.ndarray, case: str) -> tuple[float, float]:
    """The 2-D script's scores over the volume; a movie's (8 frames, shorter than SSIM's
    window) frame by frame, averaged."""
    if case == "zyx":
        return affine_scores(clean, output)
    return tuple(np.mean([affine_scores(c, o) for c, o in zip(clean, output)], axis=0))


def table(rows: list[dict]) -> str:
    lines = ["| case | tool | PSNR / SSIM | steps | seconds | steps/s | patches/s | patch |",
             "|---|---|---|---:|---:|---:|---:|---|"]
    for row in rows:
        for tool in ("noisy", "careamics", "ours"):
            psnr_db, ssim_value = row[tool]
            if tool == "noisy":
                lines.append(f"| {row['case']} | raw | {psnr_db:.2f} dB / {ssim_value:.3f} "
                             "| | | | | |")
                continue
            run = row[f"{tool} run"]
            rate = run["steps"] / run["seconds"]
            lines.append(f"| {row['case']} | {tool} | {psnr_db:.2f} dB / {ssim_value:.3f} | "
                         f"{run['steps']} | {run['seconds']:.0f} | {rate:.3f} | "
                         f"{rate * run['patches_per_step']:.1f} | {run['patches_per_step']} × "
                         f"{'×'.join(map(str, run['patch_shape']))} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = peer_parser(__doc__)
    parser.add_argument("--seconds", type=float, default=150)
    parser.add_argument("--cases", default="zyx,tyx")
    parser.add_argument("--score-only", action="store_true",
                        help="score the outputs and run records already in OUT_DIR")
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.environ.setdefault(MODELS_DIR_ENV, tempfile.mkdtemp())  # trained models are not kept
    folder = args.out / "stacks"
    folder.mkdir(parents=True, exist_ok=True)
    if not args.score_only:
        make_stacks(args.img2d, folder)
    rows = []
    for case in args.cases.split(","):
        if not args.score_only:
            run_careamics(args.peer_python, folder, case, args.seconds)
            run_ours(folder, case, args.seconds)
        row = {"case": case} | {f"{tool} run": json.loads(
            (folder / f"{case}.{tool}.json").read_text()) for tool in ("careamics", "ours")}
        clean = np.load(folder / f"{case}.clean.npy")
        for tool in ("noisy", "careamics", "ours"):
            row[tool] = stack_scores(clean, np.load(folder / f"{case}.{tool}.npy"), case)
        rows.append(row)
        print(json.dumps(row), flush=True)
    (args.out / "careamics_n2v_stacks.json").write_text(json.dumps(rows, indent=1))
    (args.out / "careamics_n2v_stacks.md").write_text(table(rows))
    print(table(rows))


if __name__ == "__main__":
    main()
