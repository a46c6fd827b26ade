"""``napari-inverse demo``: a simulated filament image with known truth, restored two ways.

Headless, it writes the images as OME-TIFF and prints PSNR/SSIM against the truth, so anyone
can check in a minute that the installation works and what each method buys; otherwise it
opens napari with the same image and the Deconvolve dock.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from ._common import ProgressBar

PIXEL_SIZE_NM = 65.0
_METHODS = ("wiener", "richardson_lucy")
_SEED = 7


def add_parser(commands) -> None:
    demo = commands.add_parser("demo", help="simulate a blurred image and restore it")
    demo.add_argument("--headless", action="store_true",
                      help="no napari: write images and print PSNR/SSIM instead")
    demo.add_argument("--output", default="demo-output", metavar="DIR",
                      help="folder for the headless demo's OME-TIFFs (default: ./demo-output)")
    demo.add_argument("--size", type=int, default=512, help="image side in pixels (default 512)")
    demo.set_defaults(run=run)


def run(args: argparse.Namespace, cancel) -> int:
    from ..engine import InvalidInput

    if not args.headless:
        return _launch_napari()
    if args.size < 64:
        raise InvalidInput(f"--size must be at least 64 pixels, got {args.size}")
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    from ..io import write_ome_tiff
    from ..methods import deconvolve
    from ..optics import Optics
    from ..simulate import filaments, simulate_widefield

    folder = Path(args.output)
    folder.mkdir(parents=True, exist_ok=True)
    optics = Optics(na=1.4, wavelength_nm=520, pixel_size_nm=PIXEL_SIZE_NM)
    specimen = filaments((args.size, args.size), PIXEL_SIZE_NM, seed=_SEED)
    pair = simulate_widefield(specimen, optics, photons=1000, seed=_SEED)
    calibration = {"X": PIXEL_SIZE_NM, "Y": PIXEL_SIZE_NM}
    images = {"input": (pair.image, None)}
    for method in _METHODS:
        started = time.perf_counter()
        with ProgressBar(label=method) as bar:
            result = deconvolve(pair.image, method, optics=optics, progress=bar, cancel=cancel)
        images[method] = (result.image, time.perf_counter() - started)
    for name, image in (("truth", pair.truth), *((k, v[0]) for k, v in images.items())):
        write_ome_tiff(folder / f"demo_{name}.ome.tif", image, "YX", calibration,
                       {"demo": "widefield filaments, NA 1.4, 520 nm, 1000 photons"})
    data_range = float(pair.truth.max() - pair.truth.min())
    print(f"{'':16} {'PSNR (dB)':>10} {'SSIM':>7} {'seconds':>8}")
    for name, (image, seconds) in images.items():
        psnr = peak_signal_noise_ratio(pair.truth, image, data_range=data_range)
        ssim = structural_similarity(pair.truth, image, data_range=data_range)
        timing = f"{seconds:8.2f}" if seconds is not None else f"{'-':>8}"
        print(f"{name:16} {psnr:10.2f} {ssim:7.3f} {timing}")
    print(f"images written to {folder}/ (truth, input and each result as OME-TIFF)")
    return 0


def _launch_napari() -> int:
    from ..engine import InvalidInput

    try:
        from .._napari.demo import launch_demo
    except ImportError as error:
        raise InvalidInput(
            f"the interactive demo needs napari ({error}); install napari-inverse[all], "
            "or run 'napari-inverse demo --headless'"
        ) from error
    launch_demo()
    return 0
