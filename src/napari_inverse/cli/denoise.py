"""``napari-inverse denoise``: read a TIFF or OME-Zarr, denoise it with a zoo model, write it."""
from __future__ import annotations

import argparse

from ._restore_file import add_image_arguments, restore_file


def add_parser(commands) -> None:
    command = commands.add_parser(
        "denoise", help="denoise a TIFF with CARE or Noise2Void",
        description="Denoise a TIFF with a trained model and write an OME-TIFF with the same "
        "pixel size. Give --na and --wavelength to check the pixel size against the model's.")
    add_image_arguments(command, "denoise")
    command.add_argument("--method", default="care", choices=["care", "n2v"],
                         help="care (default) or n2v (Noise2Void)")
    command.add_argument("--na", type=float, help="numerical aperture (for the pixel-size check)")
    command.add_argument("--wavelength", type=float, metavar="NM",
                         help="emission wavelength in nm (for the pixel-size check)")
    command.set_defaults(run=run)


def run(args: argparse.Namespace, cancel) -> int:
    from ..methods import denoise

    options = dict(method=args.method, model=args.model, resample=args.resample,
                   device=args.device, precision=args.precision)
    return restore_file(args, denoise, options, cancel)
