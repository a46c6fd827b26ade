"""Noise2Void on the user's own image, ours beside CAREamics, at the same training budget.

Usage:
    python scripts/compare_careamics_n2v.py IMG2D.tif PEER_PYTHON OUT_DIR [--careamics-steps 50]
        [--images nuclei10,nuclei20] [--start-model DIR]

IMG2D.tif is stardist's ``img2d.tif`` (see scripts/nuclei_realism_figure.py for how to get it);
PEER_PYTHON is the interpreter of a venv holding CAREamics 0.3.5 (never this project's: it runs
``scripts/careamics_n2v_peer.py`` in a subprocess). Images, each 512², trained on alone: the real
nuclei scaled to 10, 20 and 50 photons at the brightest point, and simulated actin and
clathrin-coated pits at 20 photons (background 2 e⁻, Poisson + 1.6 e⁻ read noise). Scores: PSNR
and SSIM against the clean image after a least-squares affine fit of each output.

Budget: wall-clock on a shared machine says more about the neighbours than the tools, so both
run single-threaded, back to back, twice each, for ``--calibration-steps`` steps on one image
(timing each whole training call); the ratio of their steps per second converts CAREamics' step
count into ours, and the table gives both tools' steps/s and patches/s from that calibration.
The main runs then go side by side (CAREamics in the background), so both meet the same load;
quality is compared at those step counts, whatever the load. ``--start-model`` names the model
that "fine-tuned" starts from and "shipped" predicts with (default the shipped
``n2v-fluorescence``; a candidate's folder to weigh it before shipping); with ``--reuse
EARLIER_OUT`` the calibration, CAREamics' outputs and our from-scratch ones are taken from an
earlier run on the same images and only the fine-tuned column is trained anew. Writes
``OUT_DIR/careamics_n2v.json``, ``careamics_n2v.md`` and ``careamics_n2v.png``.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

import numpy as np
import tifffile
import torch

from napari_inverse import fine_tune
from napari_inverse.metrics import psnr, ssim
from napari_inverse.simulate.pairs import _electron_counting_camera, denoising_pair
from napari_inverse.zoo import load_model
from napari_inverse.zoo.inference import apply_model
from napari_inverse.zoo.registry import MODELS_DIR_ENV

PEER = Path(__file__).with_name("careamics_n2v_peer.py")
SHAPE = (512, 512)
BACKGROUND_E = 2.0
NUCLEI_PHOTONS = (10, 20, 50)
SIMULATED = ("actin", "ccp")
SIMULATED_PHOTONS = 20


def unit_specimen(real: np.ndarray) -> np.ndarray:
    """A recorded image as a specimen: 0 at its 1st percentile, 1 at its 99.9th, not clipped
    above."""
    real = np.asarray(real, dtype=np.float32)
    low, high = np.percentile(real, [1, 99.9])
    return np.clip((real - low) / (high - low), 0, None)


def photon_image(specimen: np.ndarray, photons: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(noisy, clean) photo-electrons of ``specimen`` (any shape) scaled to ``photons`` at 1 over
    the background, recorded with Poisson and read noise."""
    clean = (photons * specimen + BACKGROUND_E).astype(np.float32)
    return _electron_counting_camera().record(clean, np.random.default_rng(seed)), clean


def make_images(img2d: Path, folder: Path) -> list[str]:
    """Write ``NAME.noisy.npy`` and ``NAME.clean.npy`` (photo-electrons) for every test image."""
    specimen = unit_specimen(tifffile.imread(img2d))
    images = {f"nuclei{photons}": photon_image(specimen, photons, photons)
              for photons in NUCLEI_PHOTONS}
    for k, structure in enumerate(SIMULATED):
        pair = denoising_pair(100 + k, SHAPE, structure, photons=SIMULATED_PHOTONS)
        images[f"{structure}{SIMULATED_PHOTONS}"] = (pair.input, pair.target)
    for name, (noisy, clean) in images.items():
        np.save(folder / f"{name}.noisy.npy", np.asarray(noisy, dtype=np.float32))
        np.save(folder / f"{name}.clean.npy", np.asarray(clean, dtype=np.float32))
    return list(images)


def affine_scores(clean: np.ndarray, output: np.ndarray) -> tuple[float, float]:
    """(PSNR, SSIM) of ``output`` after the least-squares gain and offset onto ``clean``."""
    design = np.stack([output.ravel(), np.ones(output.size)], axis=1).astype(np.float64)
    coefficients, *_ = np.linalg.lstsq(design, clean.ravel().astype(np.float64), rcond=None)
    fitted = (design @ coefficients).reshape(clean.shape)
    span = float(clean.max() - clean.min())
    return psnr(clean, fitted, span), ssim(clean, fitted, span)


def start_peer(peer_python: str, folder: Path, steps: int, only: str = "") -> subprocess.Popen:
    return subprocess.Popen([peer_python, str(PEER), str(folder), "--steps", str(steps),
                             "--only", only], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def finish(process: subprocess.Popen) -> None:
    if process.wait() != 0:
        raise RuntimeError(f"the CAREamics run failed ({process.args}); run it by hand to see why")


def run_ours(noisy: np.ndarray, steps: int, start: Optional[str]) -> tuple[np.ndarray, dict]:
    """Train with the verb's defaults (what the Train dock runs) and predict the image; the
    seconds are the whole call's, as CAREamics' are its whole ``train`` call's."""
    started = time.perf_counter()
    result = fine_tune(noisy, start=start, steps=steps, device="cpu", seed=1)
    card = result.card
    record = {"steps": card.steps, "seconds": time.perf_counter() - started, "patches_per_step":
              card.batch_size, "patch": card.patch_size, "parameters": card.parameter_count}
    return apply_model(result.model, noisy)[0], record


def calibrate(peer_python: str, folder: Path, name: str, steps: int, rounds: int) -> dict:
    """Steps/s of each tool on ``name``, alternating runs so both meet the same load."""
    noisy = np.load(folder / f"{name}.noisy.npy")
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(run_ours(noisy, steps, None)[1])
        finish(start_peer(peer_python, folder, steps, name))
        theirs.append(json.loads((folder / f"{name}.careamics.json").read_text()))

    def rate(records):
        steps_done = sum(r["steps"] for r in records)
        seconds = sum(r["seconds"] for r in records)
        return {"steps_per_s": steps_done / seconds,
                "patches_per_s": steps_done * records[0]["patches_per_step"] / seconds,
                "patch": records[0]["patch"], "parameters": records[0]["parameters"],
                "patches_per_step": records[0]["patches_per_step"]}
    return {"ours": rate(ours), "careamics": rate(theirs)}


def reused_run(earlier: Path, folder: Path, names: list[str]) -> tuple[dict, dict, dict]:
    """(rates, steps, from-scratch seconds per image) of the run in ``earlier``, whose CAREamics
    and from-scratch outputs are copied into ``folder``; its images must be these."""
    record = json.loads((earlier / "careamics_n2v.json").read_text())
    rows = {row["name"]: row for row in record["rows"]}
    for name in names:
        if not np.array_equal(np.load(earlier / "images" / f"{name}.noisy.npy"),
                              np.load(folder / f"{name}.noisy.npy")):
            raise SystemExit(f"{earlier} was run on another {name} image; rerun without --reuse")
        for suffix in ("careamics.npy", "careamics.json", "scratch.npy"):
            shutil.copyfile(earlier / "images" / f"{name}.{suffix}", folder / f"{name}.{suffix}")
    return record["rates"], record["steps"], {"scratch s": [rows[n]["scratch s"] for n in names]}


def figure(folder: Path, names: list[str], out: Path) -> None:
    """A 192² crop of every output as it comes (no affine fit), on the clean image's range, so
    an output that under-reaches the intensities shows it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = ("noisy", "careamics", "scratch", "fine_tuned", "clean")
    fig, axes = plt.subplots(len(names), len(columns), figsize=(2.2 * len(columns),
                                                                  2.2 * len(names)))
    for row, name in zip(np.atleast_2d(axes), names):
        clean = np.load(folder / f"{name}.clean.npy")
        crop = np.s_[128:320, 128:320]
        low, high = np.percentile(clean, [0.5, 99.8])
        for ax, column in zip(row, columns):
            ax.imshow(np.load(folder / f"{name}.{column}.npy")[crop], cmap="magma", vmin=low,
                      vmax=high)
            ax.set_axis_off()
            ax.set_title(f"{name}: {column}", fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def table(rows: list[dict], rates: dict, steps: dict) -> str:
    lines = ["| image | raw PSNR / SSIM | CAREamics | ours, from scratch | ours, fine-tuned "
             "| shipped, no training |", "|---|---|---|---|---|---|"]
    for r in rows:
        cells = [f"{r[k][0]:.2f} dB / {r[k][1]:.3f}" for k in
                 ("noisy", "careamics", "scratch", "fine_tuned", "shipped")]
        lines.append(f"| {r['name']} | " + " | ".join(cells) + " |")
    lines += ["", "| tool | steps | patches per step | steps/s | patches/s (64²-equivalent) |",
              "|---|---:|---:|---:|---:|"]
    for tool in ("careamics", "ours"):
        rate = rates[tool]
        equivalent = rate["patches_per_s"] * (rate["patch"] / 64) ** 2
        lines.append(f"| {tool} | {steps[tool]} | {rate['patches_per_step']} × "
                     f"{rate['patch']}² | {rate['steps_per_s']:.3f} | {equivalent:.1f} |")
    return "\n".join(lines) + "\n"


def peer_parser(description: str) -> argparse.ArgumentParser:
    """The arguments every CAREamics comparison takes: stardist's 2-D image, the peer's Python
    and the output folder."""
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("img2d", type=Path)
    parser.add_argument("peer_python")
    parser.add_argument("out", type=Path)
    return parser


def main() -> None:
    parser = peer_parser(__doc__)
    parser.add_argument("--careamics-steps", type=int, default=50)
    parser.add_argument("--calibration-steps", type=int, default=10)
    parser.add_argument("--calibration-rounds", type=int, default=2)
    parser.add_argument("--images", default="",
                        help="comma-separated image names to run (default all five)")
    parser.add_argument("--start-model", default="n2v-fluorescence",
                        help="zoo name or model folder fine-tuning starts from")
    parser.add_argument("--reuse", type=Path, metavar="EARLIER_OUT",
                        help="take the calibration, CAREamics and from-scratch outputs from an "
                        "earlier run's OUT_DIR; train only the fine-tuned column")
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.environ.setdefault(MODELS_DIR_ENV, tempfile.mkdtemp())  # trained models are not kept
    folder = args.out / "images"
    folder.mkdir(parents=True, exist_ok=True)
    names = [name for name in make_images(args.img2d, folder)
             if name in args.images.split(",") or not args.images]
    if args.reuse:
        rates, steps, earlier_seconds = reused_run(args.reuse, folder, names)
        peer, trained = None, {"fine_tuned": args.start_model}
    else:
        rates = calibrate(args.peer_python, folder, f"nuclei{NUCLEI_PHOTONS[1]}",
                          args.calibration_steps, args.calibration_rounds)
        ratio = rates["ours"]["steps_per_s"] / rates["careamics"]["steps_per_s"]
        steps = {"careamics": args.careamics_steps, "ours": round(args.careamics_steps * ratio)}
        peer = start_peer(args.peer_python, folder, steps["careamics"], ",".join(names))
        trained, earlier_seconds = {"scratch": None, "fine_tuned": args.start_model}, {}
    print(f"calibration {json.dumps(rates)}; ours gets {steps['ours']} steps", flush=True)
    shipped = load_model(args.start_model)
    seconds = dict(earlier_seconds)
    for name in names:
        noisy = np.load(folder / f"{name}.noisy.npy")
        for kind, start in trained.items():
            output, record = run_ours(noisy, steps["ours"], start)
            np.save(folder / f"{name}.{kind}.npy", output)
            seconds[f"{kind} s"] = seconds.get(f"{kind} s", []) + [record["seconds"]]
        np.save(folder / f"{name}.shipped.npy", apply_model(shipped, noisy)[0])
    if peer is not None:
        finish(peer)
    rows = []
    for name in names:
        clean = np.load(folder / f"{name}.clean.npy")
        row = {"name": name, "careamics s": json.loads(
            (folder / f"{name}.careamics.json").read_text())["seconds"]}
        row.update({key: values[len(rows)] for key, values in seconds.items()})
        for kind in ("noisy", "careamics", "scratch", "fine_tuned", "shipped"):
            row[kind] = affine_scores(clean, np.load(folder / f"{name}.{kind}.npy"))
        rows.append(row)
        print(json.dumps(row), flush=True)
    (args.out / "careamics_n2v.json").write_text(json.dumps(
        {"rates": rates, "steps": steps, "rows": rows}, indent=1))
    (args.out / "careamics_n2v.md").write_text(table(rows, rates, steps))
    figure(folder, names, args.out / "careamics_n2v.png")
    print(table(rows, rates, steps))


if __name__ == "__main__":
    sys.exit(main())
