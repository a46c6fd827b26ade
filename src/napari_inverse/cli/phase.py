"""``napari-inverse phase``: quantitative phase (radians) from a brightfield defocus stack or one
RGB exposure, written as an OME-TIFF with the input's pixel size."""
from __future__ import annotations

import argparse

from ._chunked_file import add_chunk_arguments
from ._restore_file import restore_file


def add_parser(commands) -> None:
    command = commands.add_parser(
        "phase",
        help="phase in radians from brightfield planes (TIE, Teague, WOTF, ZMD) or one RGB "
        "image",
        description="Retrieve the phase of a brightfield Z stack (planes --dz apart, focus in "
        "the middle) or of one RGB exposure whose colours the objective focuses apart "
        "(--focal-shifts). Pixel size and z step come from the file when it states them; "
        "explicit flags win. The output is the phase in radians at --wavelength.",
    )
    command.add_argument("input", help="TIFF, ImageJ hyperstack, OME-TIFF or OME-Zarr (ZYX, "
                         "TZYX or RGB)")
    command.add_argument("-o", "--output",
                         help="output OME-TIFF (default: INPUT_<method>.ome.tif beside the "
                         "input), or OME-Zarr (.zarr) written one time point at a time")
    command.add_argument("--method", default="tie", choices=["tie", "teague", "wotf", "zmd"],
                         help="tie (uniform intensity), teague (absorbing specimens), wotf "
                         "(partially coherent, open condenser) or zmd (learned: two planes at "
                         "∓dz, or one RGB exposure); default tie")
    command.add_argument("--model", help="zmd: a zoo model name or folder (default: the shipped "
                         "one for two planes or RGB)")
    command.add_argument("--samples", type=int, default=8,
                         help="zmd: diffusion samples, for their spread (default 8)")
    command.add_argument("--wavelength", type=float, metavar="NM", required=True,
                         help="illumination wavelength in nm; the phase is stated at it")
    command.add_argument("--na", type=float, required=True, help="objective numerical aperture")
    command.add_argument("--condenser-na", type=float,
                         help="condenser numerical aperture (wotf; default: stopped down)")
    command.add_argument("--dz", type=float, metavar="NM", dest="z_step",
                         help="distance between planes in nm; overrides the file's z step")
    command.add_argument("--focal-shifts", metavar="NM,NM,NM",
                         help="RGB input: each channel's defocus in nm, e.g. 1000,0,-1000")
    command.add_argument("--channel-wavelengths", metavar="NM,NM,NM", default="610,540,460",
                         help="RGB input: each channel's centre wavelength (default 610,540,460)")
    command.add_argument("--regularization", type=float,
                         help="Tikhonov α (default: the method's, see docs)")
    command.add_argument("--pixel-size", type=float, metavar="NM",
                         help="pixel size in nm; overrides the file's calibration")
    command.add_argument("--refractive-index", type=float, default=1.0,
                         help="index of the medium the defocus is measured in (default 1.0, a "
                         "dry objective)")
    command.add_argument("--axes", help="axes of the input, e.g. ZYX, TZYX or YXC (default: "
                         "from the file)")
    command.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    add_chunk_arguments(command)
    command.set_defaults(run=run)


def run(args: argparse.Namespace, cancel) -> int:
    from ..engine import InvalidInput
    from ..methods import retrieve_phase
    from ..optics import ChromaticFocus

    chromatic = None
    if args.focal_shifts is not None:
        chromatic = ChromaticFocus(_numbers(args.channel_wavelengths, "--channel-wavelengths"),
                                   _numbers(args.focal_shifts, "--focal-shifts"))

    options = dict(method=args.method, condenser_na=args.condenser_na, chromatic=chromatic,
                   regularization=args.regularization, device=args.device)
    if args.method == "zmd":
        options.update(model=args.model, samples=args.samples)

    def retrieve_phase_of_file(data, *, axes, optics, progress, cancel):
        if chromatic is None and axes.endswith(("S", "YXC")):
            raise InvalidInput("an RGB image needs each channel's defocus: give --focal-shifts "
                               "(nm, e.g. 1000,0,-1000), measured through focus on a bead")
        return retrieve_phase(data, axes=axes, optics=optics, progress=progress, cancel=cancel,
                              **options)

    return restore_file(args, retrieve_phase_of_file, {}, cancel,
                        chunked_as=("retrieve_phase", options))


def _numbers(text: str, flag: str) -> list[float]:
    from ..engine import InvalidInput

    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise InvalidInput(f"{flag} takes numbers separated by commas, e.g. 1000,0,-1000; "
                           f"got {text!r}") from None
