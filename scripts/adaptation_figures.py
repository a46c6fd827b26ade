"""Issue 5's two adaptation figures, measured on this machine's CPU.

1. Fine-tuning ``mrbcr-widefield`` on pairs from a microscope outside its training range (NA 0.6
   in air, 580 nm, 160 nm pixels = 0.66× Nyquist, 300 photons; simulated) against the shipped
   model on held-out images of that microscope.
2. Noise2Void from scratch on stardist's real ``img2d.tif`` nuclei made noisy by the simulator's
   camera (about 20 photons at the brightest nuclei): PSNR gain over the noisy input, with no
   clean image ever used in training.

    .venv/bin/python scripts/adaptation_figures.py /tmp/img2d.tif [--budget 300]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import tifffile
import torch

from napari_inverse import Optics, deconvolve, denoise, fine_tune
from napari_inverse.metrics import psnr
from napari_inverse.simulate.camera import Camera
from napari_inverse.simulate.pairs import deconvolution_pair

OTHER_MICROSCOPE = Optics(na=0.6, wavelength_nm=580.0, pixel_size_nm=160.0, refractive_index=1.0)


def microscope_shift(budget_s: float, folder: Path) -> None:
    def pairs(first, n):
        return [deconvolution_pair(first + i, (256, 256), optics=OTHER_MICROSCOPE, photons=300.0)
                for i in range(n)]

    train, validation, test = pairs(30_000_000, 24), pairs(30_100_000, 4), pairs(30_200_000, 8)

    def mean_psnr(model):
        return np.mean([psnr(p.target, deconvolve(p.input, "mrbcr", model=model,
                                                   optics=OTHER_MICROSCOPE).image) for p in test])

    shipped = mean_psnr("mrbcr-widefield")
    started = time.perf_counter()
    result = fine_tune(np.stack([p.input for p in train]), np.stack([p.target for p in train]),
                       family="mrbcr", start="mrbcr-widefield", name="mrbcr-other-microscope",
                       out=folder / "mrbcr", validation=np.stack([p.input for p in validation]),
                       validation_targets=np.stack([p.target for p in validation]),
                       pixel_size_nm=OTHER_MICROSCOPE.pixel_size_nm, steps=100_000,
                       time_budget_s=budget_s, device="cpu")
    seconds = time.perf_counter() - started
    tuned = mean_psnr(result.entry.weights)
    raw = np.mean([psnr(p.target, p.input) for p in test])
    print(f"other microscope (NA 0.6 air, 580 nm, 160 nm px, 300 photons), 8 test images 256²: "
          f"input {raw:.2f} dB, shipped m-rBCR {shipped:.2f} dB, fine-tuned {tuned:.2f} dB "
          f"({tuned - shipped:+.2f} dB) after {result.card.steps} steps of batch "
          f"{result.card.batch_size} × {result.card.patch_size}² in {seconds:.0f} s "
          f"({result.stop_reason})", flush=True)


def n2v_on_real_nuclei(path: Path, budget_s: float, folder: Path) -> None:
    image = np.asarray(tifffile.imread(path), dtype=np.float32)
    low, high = np.percentile(image, [1, 99.9])
    clean = 20.0 * np.clip((image - low) / (high - low), 0, None) + 2.0  # photo-electrons
    camera = Camera(gain=1.0, read_noise_e=1.6, offset_adu=0.0, quantise=False)
    noisy = camera.record(clean, np.random.default_rng(0)).astype(np.float32)
    history = []
    started = time.perf_counter()
    result = fine_tune(noisy, family="n2v", start=None, name="n2v-real-nuclei",
                       out=folder / "n2v", steps=100_000, time_budget_s=budget_s, device="cpu",
                       on_validation=history.append)
    seconds = time.perf_counter() - started
    denoised = denoise(noisy, "n2v", model=result.entry.weights).image
    print(f"N2V from scratch on stardist img2d (512², ~20 photons at the brightest nuclei): "
          f"noisy {psnr(clean, noisy):.2f} dB → {psnr(clean, denoised):.2f} dB "
          f"({psnr(clean, denoised) - psnr(clean, noisy):+.2f} dB) after {result.card.steps} "
          f"steps of batch {result.card.batch_size} × {result.card.patch_size}² in {seconds:.0f} s",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("real_image", type=Path, help="stardist's img2d.tif")
    parser.add_argument("--budget", type=float, default=300.0, help="training seconds each")
    args = parser.parse_args()
    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory() as folder:
        microscope_shift(args.budget, Path(folder))
        n2v_on_real_nuclei(args.real_image, args.budget, Path(folder))


if __name__ == "__main__":
    main()
