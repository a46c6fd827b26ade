"""``napari-inverse deconvolve``: read a TIFF, deconvolve it with the verb, write an OME-TIFF."""
from __future__ import annotations

import argparse

import numpy as np

from .cli_restore import restore_file
from .engine import InvalidInput
from .io import read_tiff
from .methods import deconvolve


def run_deconvolve(args: argparse.Namespace, cancel) -> int:
    if args.psf is None and (args.na is None or args.wavelength is None):
        raise InvalidInput("--na and --wavelength are required (or give a measured PSF with --psf)")
    psf = _read_psf(args.psf) if args.psf else None
    args.method = args.method or ("rl" if psf is not None else "mrbcr")  # a PSF means classical

    def run(image, optics, bar):
        return deconvolve(
            image.data, args.method, axes=image.axes, optics=optics, psf=psf,
            iterations=args.iterations, tv_weight=args.tv, regularization=args.regularization,
            model=args.model, resample=args.resample, device=args.device, progress=bar,
            cancel=cancel,
        )

    return restore_file(args, run, use_optics=psf is None)


def _read_psf(path) -> np.ndarray:
    psf = read_tiff(path)
    if set(psf.axes) - set("ZYX"):
        raise InvalidInput(
            f"the PSF '{path}' has axes {psf.axes!r}; it must be one YX plane or one ZYX stack"
        )
    return np.asarray(psf.data, dtype=np.float32)
