"""Where a deconvolution's remaining error lies in frequency, on the benchmark's nuclei sets.

Usage: python scripts/error_by_frequency.py REAL.tif [--images 8]

Why: on the real stardist nuclei (REAL.tif, see scripts/nuclei_realism_figure.py for how to get
it) every method lands within 0.25 dB of the others, while on the simulated nuclei the networks
lead Wiener by 2.5 dB. Splitting each output's squared error (normalised by the target's range)
into rings of spatial frequency, in units of the imaging OTF's cutoff 2NA/λ, shows which part of
the error no method removes: a share of the input's error power per ring, summed over images.
"""
from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np

from napari_inverse.benchmarks.datasets import deconvolution_sets
from napari_inverse.benchmarks.real_image import RealImageSet
from napari_inverse.methods import deconvolve
from napari_inverse.metrics import psnr
from napari_inverse.metrics._fourier import radial_frequency
from napari_inverse.optics import Optics

RINGS = (0.0, 0.05, 0.15, 0.3, 0.5, 0.75, 1.0, np.inf)  # × the OTF cutoff
METHODS = ("input", "wiener", "mrbcr")


def error_power_by_ring(error: np.ndarray, optics: Optics) -> np.ndarray:
    power = np.abs(np.fft.fft2(error)) ** 2
    # the cutoff 2NA/λ in cycles per pixel is 0.5 (Nyquist) × pixel / Nyquist pixel
    radius = radial_frequency(error.shape) / (0.5 * optics.pixel_size_nm / optics.nyquist_pixel_nm)
    return np.array([power[(radius >= low) & (radius < high)].sum()
                     for low, high in zip(RINGS[:-1], RINGS[1:])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("real_image", type=Path)
    parser.add_argument("--images", type=int, default=8, help="test images per set")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # the pixel-size advice is beside the point here
    simulated = next(s for s in deconvolution_sets() if s.name.startswith("deconvolution/nuclei"))
    rings = " ".join(f"{low:g}–{high:g}" for low, high in zip(RINGS[:-1], RINGS[1:]))
    for dataset in (RealImageSet(args.real_image), simulated):
        shares = {m: np.zeros(len(RINGS) - 1) for m in METHODS}
        scores: dict[str, list[float]] = {m: [] for m in METHODS}
        for pair in dataset.pairs()[:args.images]:
            optics = Optics(**pair.metadata["optics"])
            span = float(pair.target.max() - pair.target.min())
            for method in METHODS:
                out = (pair.input if method == "input"
                       else deconvolve(pair.input, method, optics=optics).image)
                shares[method] += error_power_by_ring((out - pair.target) / span, optics)
                scores[method].append(psnr(pair.target, out))
        total = shares["input"].sum()
        print(f"{dataset.name}; rings (× cutoff): {rings}")
        for method in METHODS:
            print(f"  {method:7s} PSNR {np.mean(scores[method]):.2f} dB; share of the input's "
                  "error power: " + " ".join(f"{v:.3f}" for v in shares[method] / total))


if __name__ == "__main__":
    main()
