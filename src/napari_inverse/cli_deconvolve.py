"""``napari-inverse deconvolve``: read a TIFF, deconvolve it with the verb, write an OME-TIFF."""
from __future__ import annotations

import argparse

import numpy as np

from .cli_restore import restore_file
from .engine import InvalidInput
from .io import ImageFile, read_tiff
from .methods import deconvolve
from .methods.deconvolve import check_psf_sampling


def run_deconvolve(args: argparse.Namespace, cancel) -> int:
    if args.psf is None and (args.na is None or args.wavelength is None):
        raise InvalidInput("--na and --wavelength are required (or give a measured PSF with --psf)")
    psf_file = _read_psf(args.psf) if args.psf else None
    psf = np.asarray(psf_file.data, dtype=np.float32) if psf_file is not None else None
    args.method = args.method or ("rl" if psf is not None else "mrbcr")  # a PSF means classical

    def run(image, optics, bar):
        if psf_file is not None:
            _check_psf_sampling(psf_file, image, args)
        return deconvolve(
            image.data, args.method, axes=image.axes, optics=optics, psf=psf,
            iterations=args.iterations, tv_weight=args.tv, regularization=args.regularization,
            model=args.model, resample=args.resample, device=args.device,
            precision=args.precision, progress=bar, cancel=cancel,
        )

    return restore_file(args, run, use_optics=psf is None)


def _read_psf(path) -> ImageFile:
    psf = read_tiff(path)
    if set(psf.axes) - set("ZYX"):
        raise InvalidInput(
            f"the PSF '{path}' has axes {psf.axes!r}; it must be one YX plane or one ZYX stack"
        )
    return psf


def _check_psf_sampling(psf: ImageFile, image: ImageFile, args: argparse.Namespace) -> None:
    """The PSF file's sampling against the image's (--pixel-size and --z-step override it)."""
    stated = {"X": args.pixel_size, "Y": args.pixel_size, "Z": getattr(args, "z_step", None)}
    image_nm = {**image.pixel_size_nm, **{axis: size for axis, size in stated.items() if size}}
    check_psf_sampling(dict(psf.pixel_size_nm), image_nm, f"the PSF '{args.psf}'")
