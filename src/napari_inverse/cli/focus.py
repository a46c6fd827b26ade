"""``napari-inverse focus``: in-focus mask of a focal stack, with its depth map and all-in-focus
image, each an OME-TIFF on the stack's grid (the maps without Z)."""
from __future__ import annotations

import argparse
from pathlib import Path

from ._chunked_file import wants_chunks
from ._restore_file import add_image_arguments, restore_file


def add_parser(commands) -> None:
    command = commands.add_parser(
        "focus", help="segment the in-focus pixels of a focal stack",
        description="Mark the in-focus pixels of every slice of a focal stack (weak labels from "
        "a focus measure, or the network trained on them) and write the mask (0/1) as OME-TIFF; "
        "optionally the depth map (nm where the z step is known, else planes) and the "
        "all-in-focus image. An OME-Zarr output is written one stack (time point) at a time "
        "and holds the depth map (in planes) and the all-in-focus image as its own images.")
    add_image_arguments(command, "segment")
    command.add_argument("--method", default="weak", choices=["weak", "cnn"],
                         help="weak (default: a classical focus measure) or cnn (needs "
                         "--na, --wavelength and the z step: it reads the depth of field)")
    command.add_argument("--na", type=float, help="numerical aperture; with --wavelength and the "
                         "z step, the weak labels follow the depth-of-field rule")
    command.add_argument("--wavelength", type=float, metavar="NM", help="emission wavelength (nm)")
    command.add_argument("--rule", choices=["depth_of_field", "ratio"],
                         help="weak labels: depth_of_field (default when --na, --wavelength and "
                         "the z step are known) or ratio")
    command.add_argument("--threshold", type=float,
                         help="weak, depth-of-field rule: fraction of the depth of field (0.5); "
                         "ratio rule: fraction of a pixel's best focus (0.75); cnn: probability a "
                         "pixel must reach in some slice (0.5)")
    command.add_argument("--z-step", type=float, metavar="NM",
                         help="distance between planes in nm; overrides the file's calibration")
    command.add_argument("--depth", metavar="TIF", help="write the depth map here")
    command.add_argument("--all-in-focus", metavar="TIF", help="write the all-in-focus image here")
    command.set_defaults(run=run)


def run(args: argparse.Namespace, cancel) -> int:
    from ..engine import InvalidInput
    from ..io import write_ome_tiff
    from ..methods import segment_focus

    options = dict(method=args.method, model=args.model, rule=args.rule,
                   threshold=args.threshold, device=args.device)
    outputs = []
    image_files = []  # the file restore_file read, for its pixel sizes

    def segment_focus_of_file(data, *, axes, optics, progress, cancel):
        result = segment_focus(data, axes=axes, optics=optics, progress=progress, cancel=cancel,
                               **options)
        z_step = args.z_step or image_files[0].pixel_size_nm.get("Z")
        depth = result.extras.get("depth_nm")
        if depth is None:
            depth = result.extras["depth_planes"] * (z_step or 1.0)
        flat_axes = result.metadata["axes"].replace("Z", "")
        sizes = {a: s for a, s in image_files[0].pixel_size_nm.items() if a in "YX"}
        if args.pixel_size:
            sizes = {"Y": args.pixel_size, "X": args.pixel_size}
        written = ((args.depth, depth, {"units": "nm" if z_step else "planes"}),
                   (args.all_in_focus, result.extras["all_in_focus"], {}))
        for path, data, extra in written:
            if path:
                write_ome_tiff(Path(path), data, flat_axes, sizes,
                               {"source": str(args.input), "method": args.method, **extra})
                outputs.append(path)
        result.image = result.image.astype("uint8")
        return result

    if wants_chunks(args) and (args.depth or args.all_in_focus):
        raise InvalidInput("an OME-Zarr output holds the depth map and the all-in-focus image "
                           "itself (as its own images): drop --depth "
                           "and --all-in-focus")
    status = restore_file(args, segment_focus_of_file, {}, cancel,
                          check=lambda image: image_files.append(image),
                          chunked_as=("segment_focus", options))
    for path in outputs:
        print(f"wrote {path}")
    return status
