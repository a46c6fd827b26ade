"""What every image-to-image command shares: read a TIFF, run a verb, write an OME-TIFF.

Calibration flows from the file into Optics and back into the output, so the result keeps the
input's pixel size; flags given on the command line override the file. Warnings (a pixel size
outside a model's range) become one ``napari-inverse: warning:`` line each after the run.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import warnings
from pathlib import Path
from typing import Callable, Optional

from . import __version__
from .cli_progress import ProgressBar
from .engine import InvalidInput
from .io import ImageFile, optics_from_image_file, read_tiff, write_ome_tiff

_TIFF_SUFFIXES = (".ome.tiff", ".ome.tif", ".tiff", ".tif")
_RECORDED = ("method", "model", "model_sha256", "parameters", "optics", "psf_source", "device",
             "precision")

# verb(image file, optics or None, progress) -> Result
VerbCall = Callable[[ImageFile, Optional[object], ProgressBar], object]


def restore_file(args: argparse.Namespace, run: VerbCall, use_optics: bool = True) -> int:
    """Read ``args.input``, ``run`` the verb on it, write ``args.output``; return exit status 0.

    With ``use_optics``, Optics are built from --na and --wavelength (both or neither) and the
    file's or the flags' sampling; ``run`` gets None without them or when ``use_optics`` is off.
    """
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
    bar = ProgressBar(label=Path(output).name)
    completed = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            result = run(image, optics, bar)
        completed = True
    finally:
        bar.close(completed)
    for warning in caught:
        print(f"napari-inverse: warning: {' '.join(str(warning.message).split())}",
              file=sys.stderr)
    sizes = _output_pixel_size(image, optics, args.pixel_size, getattr(args, "z_step", None))
    metadata = {
        "software": f"napari-inverse {__version__}",
        "source": str(source),
        **{k: result.metadata[k] for k in _RECORDED if k in result.metadata},
    }
    if "channel_names" in image.metadata:
        metadata["channel_names"] = image.metadata["channel_names"]
    write_ome_tiff(output, result.image, result.metadata["axes"], sizes, metadata)
    pixel = f", {sizes['X']:g} nm pixels" if "X" in sizes else ""
    done_with = result.metadata.get("model", result.metadata["method"])
    print(f"wrote {output} ({done_with}, {result.metadata['seconds']:.1f} s{pixel})")
    return 0


def _output_path(source: Path, output, method: str) -> Path:
    if output is None:
        name = source.name
        stem = next((name[: -len(s)] for s in _TIFF_SUFFIXES if name.lower().endswith(s)), name)
        output = source.with_name(f"{stem}_{method}.ome.tif")
    output = Path(output)
    if output.suffix.lower() not in (".tif", ".tiff"):
        raise InvalidInput(f"output '{output}' must end in .tif or .tiff, e.g. result.ome.tif")
    if not output.parent.is_dir():
        raise InvalidInput(f"cannot write '{output}': the folder '{output.parent}' does not exist")
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
