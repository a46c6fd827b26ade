"""What every image-to-image command shares: its arguments, and read a TIFF, run a verb, write
an OME-TIFF — or, for an OME-Zarr output, run the verb chunk by chunk (`._chunked_file`).

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
from ._chunked_file import add_chunk_arguments, restore_chunked, wants_chunks
from ._common import ProgressBar, warn

if TYPE_CHECKING:
    from ..io import ImageFile

_TIFF_SUFFIXES = (".ome.tiff", ".ome.tif", ".tiff", ".tif")
_RECORDED = ("method", "model", "model_sha256", "parameters", "optics", "psf_source", "device",
             "precision", "channel_names", "uncertainty_calibration")


def add_image_arguments(command: argparse.ArgumentParser, verb: str) -> None:
    """The arguments every image-to-image command shares: files, sampling, model, device."""
    from ..engine.precision import PRECISIONS  # imports neither torch nor numpy

    command.add_argument("input", help="TIFF, ImageJ hyperstack, OME-TIFF or OME-Zarr")
    command.add_argument("-o", "--output",
                         help="output OME-TIFF, or OME-Zarr (.zarr) written chunk by chunk "
                         "(default: INPUT_<method>.ome.tif, .ome.zarr for an OME-Zarr input)")
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
    add_chunk_arguments(command)


def restore_file(args: argparse.Namespace, verb: Callable, options: dict, cancel,
                 use_optics: bool = True, check: Optional[Callable] = None,
                 chunked_as: Optional[tuple[str, dict]] = None) -> int:
    """Read ``args.input``, run ``verb`` with ``options`` on it, write ``args.output``; return 0.

    With ``use_optics``, Optics are built from --na and --wavelength (both or neither) and the
    file's or the flags' sampling; the verb gets None without them or when ``use_optics`` is
    off. ``check(image_file)`` runs before the verb (a PSF's sampling against the image's).
    An OME-Zarr output (or --scheduler, --workers, --chunk) runs the verb chunk by chunk;
    ``chunked_as`` names the verb and its options there where ``verb`` wraps it for the file.
    """
    from ..engine import InvalidInput
    from ..io import optics_from_image_file, read_image, write_ome_tiff

    source = Path(args.input)
    chunked = wants_chunks(args)
    output = _output_path(source, args.output, args.method, chunked)
    if use_optics and (args.na is None) != (args.wavelength is None):
        raise InvalidInput("give both --na and --wavelength, or neither")
    image = read_image(source, lazy=True if chunked else None)
    if args.axes:
        image = dataclasses.replace(image, axes=args.axes.upper())
    optics = None
    if use_optics and args.na is not None:
        optics = optics_from_image_file(
            image, args.na, args.wavelength, args.refractive_index,
            pixel_size_nm=args.pixel_size, z_step_nm=getattr(args, "z_step", None),
        )
    if check is not None:
        check(image)
    sizes = _output_pixel_size(image, optics, args.pixel_size, getattr(args, "z_step", None))
    if chunked:
        from ..distributed import CHUNKED_VERBS

        name, chunked_options = chunked_as or (verb.__name__, options)
        if name not in CHUNKED_VERBS:
            raise InvalidInput(f"'{args.input}' cannot be worked on chunk by chunk with this "
                               "command yet; give a .tif output with -o")
        return restore_chunked(args, name, chunked_options, optics, image, output, sizes,
                               cancel)
    # The bar completes with the file written: a failed write leaves logs only its error line.
    with ProgressBar(label=Path(output).name) as bar:
        with warnings.catch_warnings(record=True) as caught:
            result = verb(image.data, axes=image.axes, optics=optics, progress=bar,
                          cancel=cancel, **options)
        metadata = {
            "software": f"napari-inverse {__version__}",
            "source": str(source),
            **{k: result.metadata[k] for k in _RECORDED if k in result.metadata},
        }
        if "channel_names" in image.metadata and "channel_names" not in metadata:
            metadata["channel_names"] = image.metadata["channel_names"]
        axes = result.metadata.get("result_axes", result.metadata["axes"])  # phase drops Z
        upsample = result.metadata.get("upsample", 1)  # a finer grid: its pixels are smaller
        sizes = {a: s / upsample if a in "YX" else s for a, s in sizes.items() if a in axes}
        write_ome_tiff(output, result.image, axes, sizes, metadata)
    for warning in caught:
        warn(str(warning.message))
    pixel = f", {sizes['X']:g} nm pixels" if "X" in sizes else ""
    done_with = result.metadata.get("model", result.metadata["method"])
    print(f"wrote {output} ({done_with}, {result.metadata['seconds']:.1f} s{pixel})")
    return 0


def _output_path(source: Path, output, method: str, chunked: bool) -> Path:
    """The output, checked before the run: a TIFF name (an OME-Zarr one for chunked work), in
    a folder that can be written."""
    from ..engine import InvalidInput

    suffix = ".ome.zarr" if chunked else ".ome.tif"
    output = Path(output or source.with_name(f"{_file_stem(source)}_{method}{suffix}"))
    if chunked != output.suffix.lower().endswith(".zarr") or not (
            chunked or output.suffix.lower() in (".tif", ".tiff")):
        raise InvalidInput(f"output '{output}' must end in .tif or .tiff, e.g. result.ome.tif, "
                           "or in .zarr to be written chunk by chunk" if not chunked else
                           f"output '{output}' must be an OME-Zarr (.ome.zarr) for chunked work")
    if not output.parent.is_dir():
        raise InvalidInput(f"cannot write '{output}': the folder '{output.parent}' does not exist")
    if not os.access(output.parent, os.W_OK | os.X_OK):
        raise InvalidInput(f"cannot write '{output}': the folder '{output.parent}' is not "
                           "writable; choose another place with -o")
    if chunked:
        return output  # an existing one is resumed, or refused, by the job's manifest
    if output.is_dir():
        raise InvalidInput(f"cannot write '{output}': it is a folder; give a file name with -o")
    if output.exists() and source.exists() and output.samefile(source):
        raise InvalidInput(f"output '{output}' is the input file; choose another -o")
    return output


def _file_stem(path: Path) -> str:
    """The file's name without its image suffix (.ome.tif, .tif, .ome.zarr, …)."""
    name = path.name
    suffixes = (*_TIFF_SUFFIXES, ".ome.zarr", ".zarr")
    return next((name[: -len(s)] for s in suffixes if name.lower().endswith(s)), name)


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
