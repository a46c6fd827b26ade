"""``napari-inverse denoise``: read a TIFF, denoise it with a zoo model, write an OME-TIFF."""
from __future__ import annotations

import argparse

from .cli_restore import restore_file
from .methods import denoise


def run_denoise(args: argparse.Namespace, cancel) -> int:
    def run(image, optics, bar):
        return denoise(image.data, args.method, model=args.model, axes=image.axes, optics=optics,
                       resample=args.resample, device=args.device, precision=args.precision,
                       progress=bar, cancel=cancel)

    return restore_file(args, run)
