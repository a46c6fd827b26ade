"""What every image-to-image command shares: its arguments, and read a TIFF, run a verb, write
an OME-TIFF.

Calibration flows from the file into Optics and back into the output, so the result keeps the
input's pixel size; flags given on the command line override the file. Warnings (a pixel size
outside a model's range) become one ``napari-inverse: warning:`` line each after the run.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from .. import __version__
from ._common import ProgressBar, warn

if TYPE_CHECKING:
    from ..io import ImageFile

_TIFF_SUFFIXES = (".ome.tiff", ".ome.tif", ".tiff", ".tif")
_RECORDED = ("method", "model", "model_sha256", "parameters", "optics", "psf_source", "device",
             "precision", "channel_names", "uncertainty_calibration")

# verb(image file, optics or None, progress) -> Result
VerbCall = Callable[["ImageFile", Optional[object], ProgressBar], object]


def add_image_arguments(command: argparse.ArgumentParser, verb: str) -> None:
    """The arguments every image-to-image command shares: files, sampling, model, device."""
    from ..engine.precision import PRECISIONS  # imports neither torch nor numpy

    command.add_argument("input", help="TIFF, ImageJ hyperstack or OME-TIFF")
    command.add_argument("-o", "--output",
                         help="output OME-TIFF (default: INPUT_<method>.ome.tif beside the input)")
    command.add_argument("--pixel-size", type=float, metavar="NM",
                         help="pixel size in nm; overrides the file's calibration")
    command.add_argument("--refractive-index", type=float, default=1.518,
                         help="immersion medium (default 1.518, oil)")
    command.add_argument("--model", metavar="NAME|PATH",
                         help="zoo model name, model folder or .safetensors file for a trained "
                         "method (default: the method's shipped model; see 'models')")
    command.add_argument("--resample", action="store_true",
                         help=f"when the pixel size is outside the model's range, {verb} at the "
                         "model's pixel size and resample back")
    command.add_argument("--axes",
                         help="axes of the input, e.g. ZYX or TCYX (default: from the file)")
    command.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    command.add_argument("--precision", default="auto", choices=PRECISIONS,
                         help="number format of a trained method: auto (default) is bfloat16 "
                         "where the CPU computes it natively, float32 elsewhere")


def restore_file(args: argparse.Namespace, run: VerbCall, use_optics: bool = True) -> int:
    """Read ``args.input``, ``run`` the verb on it, write ``args.output``; return exit status 0.

    With ``use_optics``, Optics are built from --na and --wavelength (both or neither) and the
    file's or the flags' sampling; ``run`` gets None without them or when ``use_optics`` is off.
    """
    from ..engine import InvalidInput
    from ..io import optics_from_image_file, read_tiff, write_ome_tiff

    source = Path(args.input)
    output = _output_path(source, args.output, args.method)
    if use_optics and (args.na is None) != (args.wavelength is None):
        raise InvalidInput("give both --na and --wavelength, or neither")
    image = read_tiff(source)
    if args.axes:
        image = dataclasses.replace(image, axes=args.axes.upper())
    optics = None
    if use_optics and args.na is not None:
        optics = optics_from_image_file(
            image, args.na, args.wavelength, args.refractive_index,
            pixel_size_nm=args.pixel_size, z_step_nm=getattr(args, "z_step", None),
        )
    sizes = _output_pixel_size(image, optics, args.pixel_size, getattr(args, "z_step", None))
    # The bar completes with the file written: a failed write leaves logs only its error line.
    with ProgressBar(label=Path(output).name) as bar:
        with warnings.catch_warnings(record=True) as caught:
            result = run(image, optics, bar)
        metadata = {
            "software": f"napari-inverse {__version__}",
            "source": str(source),
            **{k: result.metadata[k] for k in _RECORDED if k in result.metadata},
        }
        if "channel_names" in image.metadata and "channel_names" not in metadata:
            metadata["channel_names"] = image.metadata["channel_names"]
        upsample = result.metadata.get("upsample", 1)  # a finer grid: its pixels are smaller
        sizes = {a: s / upsample if a in "YX" else s for a, s in sizes.items()}
        write_ome_tiff(output, result.image, result.metadata["axes"], sizes, metadata)
    for warning in caught:
        warn(str(warning.message))
    pixel = f", {sizes['X']:g} nm pixels" if "X" in sizes else ""
    done_with = result.metadata.get("model", result.metadata["method"])
    print(f"wrote {output} ({done_with}, {result.metadata['seconds']:.1f} s{pixel})")
    return 0


def _output_path(source: Path, output, method: str) -> Path:
    """The output file, checked before the run: a TIFF name, in a folder that can be written."""
    from ..engine import InvalidInput

    if output is None:
        name = source.name
        stem = next((name[: -len(s)] for s in _TIFF_SUFFIXES if name.lower().endswith(s)), name)
        output = source.with_name(f"{stem}_{method}.ome.tif")
    output = Path(output)
    if output.suffix.lower() not in (".tif", ".tiff"):
        raise InvalidInput(f"output '{output}' must end in .tif or .tiff, e.g. result.ome.tif")
    if not output.parent.is_dir():
        raise InvalidInput(f"cannot write '{output}': the folder '{output.parent}' does not exist")
    if not os.access(output.parent, os.W_OK | os.X_OK):
        raise InvalidInput(f"cannot write '{output}': the folder '{output.parent}' is not "
                           "writable; choose another place with -o")
    if output.is_dir():
        raise InvalidInput(f"cannot write '{output}': it is a folder; give a file name with -o")
    if output.exists() and source.exists() and output.samefile(source):
        raise InvalidInput(f"output '{output}' is the input file; choose another -o")
    return output


def _output_pixel_size(image: ImageFile, optics, pixel_size, z_step) -> dict[str, float]:
    """The input's calibration with the values the run actually used laid over it."""
    sizes = dict(image.pixel_size_nm)
    lateral = optics.pixel_size_nm if optics is not None else pixel_size
    axial = optics.z_step_nm if optics is not None else z_step
    if lateral is not None:
        sizes.update(X=float(lateral), Y=float(lateral))
    if axial is not None:
        sizes["Z"] = float(axial)
    return {axis: size for axis, size in sizes.items() if axis in image.axes}
