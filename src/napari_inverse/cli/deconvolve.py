"""``napari-inverse deconvolve``: read a TIFF or OME-Zarr, deconvolve it, write the result."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ._restore_file import add_image_arguments, restore_file

if TYPE_CHECKING:
    from ..io import ImageFile


def add_parser(commands) -> None:
    command = commands.add_parser(
        "deconvolve",
        help="deconvolve a TIFF with m-rBCR, s-rBCR, CARE, Richardson-Lucy or Wiener",
        description="Deconvolve a TIFF and write an OME-TIFF with the same pixel size. Pixel "
        "size and z step come from the file when it states them; explicit flags win.",
    )
    add_image_arguments(command, "deconvolve")
    command.add_argument("--method",
                         choices=["mrbcr", "srbcr", "care", "rl", "richardson_lucy", "wiener"],
                         help="trained network (mrbcr, srbcr, care) or classical (rl, wiener); "
                         "default mrbcr, or rl with --psf")
    command.add_argument("--na", type=float, help="numerical aperture (required unless --psf)")
    command.add_argument("--wavelength", type=float, metavar="NM",
                         help="emission wavelength in nm (required unless --psf)")
    command.add_argument("--z-step", type=float, metavar="NM",
                         help="distance between planes in nm; overrides the file's; makes ZYX "
                         "deconvolution 3-D (rl, wiener)")
    command.add_argument("--iterations", type=int,
                         help="Richardson-Lucy iterations (default: chosen per image)")
    command.add_argument("--tv", type=float, default=0.0,
                         help="total-variation weight for Richardson-Lucy (typical 0.001-0.01)")
    command.add_argument("--regularization", type=float,
                         help="constant Wiener balance λ (default: per frequency, the noise "
                         "to object power measured on the image)")
    command.add_argument("--psf",
                         help="measured PSF as TIFF (2-D or 3-D) instead of --na/--wavelength "
                         "(rl, wiener)")
    command.set_defaults(run=run)


def run(args: argparse.Namespace, cancel) -> int:
    import numpy as np

    from ..engine import InvalidInput
    from ..methods import deconvolve

    if args.psf is None and (args.na is None or args.wavelength is None):
        raise InvalidInput("--na and --wavelength are required (or give a measured PSF with --psf)")
    psf_file = _read_psf(args.psf) if args.psf else None
    psf = np.asarray(psf_file.data, dtype=np.float32) if psf_file is not None else None
    args.method = args.method or ("rl" if psf is not None else "mrbcr")  # a PSF means classical

    options = dict(method=args.method, psf=psf, iterations=args.iterations, tv_weight=args.tv,
                   regularization=args.regularization, model=args.model, resample=args.resample,
                   device=args.device, precision=args.precision)
    check = (lambda image: _check_psf_sampling(psf_file, image, args)) if psf_file else None
    return restore_file(args, deconvolve, options, cancel, use_optics=psf is None, check=check)


def _read_psf(path) -> ImageFile:
    from ..engine import InvalidInput
    from ..io import read_tiff

    psf = read_tiff(path)
    if set(psf.axes) - set("ZYX"):
        raise InvalidInput(
            f"the PSF '{path}' has axes {psf.axes!r}; it must be one YX plane or one ZYX stack"
        )
    return psf


def _check_psf_sampling(psf: ImageFile, image: ImageFile, args: argparse.Namespace) -> None:
    """The PSF file's sampling against the image's (--pixel-size and --z-step override it)."""
    from ..methods.deconvolve import check_psf_sampling

    stated = {"X": args.pixel_size, "Y": args.pixel_size, "Z": getattr(args, "z_step", None)}
    image_nm = {**image.pixel_size_nm, **{axis: size for axis, size in stated.items() if size}}
    check_psf_sampling(dict(psf.pixel_size_nm), image_nm, f"the PSF '{args.psf}'")
