"""``napari-inverse super-resolve``: CVDM or ZMD on a TIFF, writing the mean and its uncertainty."""
from __future__ import annotations

import argparse
import dataclasses

from ._restore_file import add_image_arguments, restore_file


def add_parser(commands) -> None:
    command = commands.add_parser(
        "super-resolve", help="super-resolve a widefield TIFF by diffusion, with its uncertainty",
        description="Draw diffusion samples (CVDM, or ZMD: CVDM around a mean network) of a "
        "SIM-like image from a widefield TIFF and write an OME-TIFF with two channels: their "
        "mean and the calibrated per-pixel uncertainty (one standard deviation, same units); "
        "an OME-Zarr output holds the mean, the uncertainty "
        "in its 'uncertainty' image. The pixel size is kept, halved with --upsample 2.")
    add_image_arguments(command, "super-resolve")
    command.add_argument("--method", choices=["zmd", "cvdm"], default="zmd",
                         help="zmd: a mean network plus CVDM on its residual; cvdm: diffusion "
                              "on the residual from the widefield image")
    command.add_argument("--samples", type=int, default=8, help="samples drawn (default 8)")
    command.add_argument("--steps", type=int,
                         help="network evaluations per sample (default 25; 199: the reference)")
    command.add_argument("--seed", type=int, help="random seed, for a repeatable result")
    command.add_argument("--upsample", type=int, default=1, choices=[1, 2],
                         help="2: a grid of half the pixel size")
    command.add_argument("--physics", action="store_true",
                         help="PI-DDPM guidance with the widefield PSF (needs --na, --wavelength)")
    command.add_argument("--na", type=float, help="numerical aperture")
    command.add_argument("--wavelength", type=float, metavar="NM", help="emission wavelength, nm")
    command.set_defaults(run=run)


def run(args: argparse.Namespace, cancel) -> int:
    from ..methods import super_resolve

    options = dict(method=args.method, model=args.model, samples=args.samples,
                   steps=args.steps, seed=args.seed, upsample=args.upsample,
                   resample=args.resample, physics=args.physics, device=args.device,
                   precision=args.precision)

    def super_resolve_channels(data, *, axes, optics, progress, cancel):
        result = super_resolve(data, axes=axes, optics=optics, progress=progress, cancel=cancel,
                               **options)
        return mean_and_uncertainty_channels(result)

    return restore_file(args, super_resolve_channels, {}, cancel,
                        chunked_as=("super_resolve", options))


def mean_and_uncertainty_channels(result):
    """The result with the uncertainty as a second channel of the image (after the mean's)."""
    import numpy as np

    axes = result.metadata["axes"]
    uncertainty = next(result.extras[k] for k in ("uncertainty", "sample_spread")
                       if k in result.extras)
    if "C" in axes:
        image = np.concatenate([result.image, uncertainty], axis=axes.index("C"))
        names = ["mean"] * result.image.shape[axes.index("C")] + ["uncertainty"] * (
            uncertainty.shape[axes.index("C")])
    else:
        at = next(i for i, a in enumerate(axes) if a in "ZYX")
        image, axes = np.stack([result.image, uncertainty], axis=at), axes[:at] + "C" + axes[at:]
        names = ["mean", "uncertainty"]
    return dataclasses.replace(result, image=image, metadata={
        **result.metadata, "axes": axes, "channel_names": names})
