"""``napari-inverse deconvolve``: read a TIFF, deconvolve it with the verb, write an OME-TIFF.

Calibration flows from the file into Optics and back into the output, so the result keeps the
input's pixel size; flags given on the command line override the file.
"""
from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np

from . import __version__
from .cli_progress import ProgressBar
from .engine import InvalidInput
from .io import ImageFile, optics_from_image_file, read_tiff, write_ome_tiff
from .methods import deconvolve

_TIFF_SUFFIXES = (".ome.tiff", ".ome.tif", ".tiff", ".tif")


def run_deconvolve(args: argparse.Namespace, cancel) -> int:
    source = Path(args.input)
    output = _output_path(source, args.output, args.method)
    if args.psf is None and (args.na is None or args.wavelength is None):
        raise InvalidInput("--na and --wavelength are required (or give a measured PSF with --psf)")
    image = read_tiff(source)
    if args.axes:
        image = dataclasses.replace(image, axes=args.axes.upper())
    psf = _read_psf(args.psf) if args.psf else None
    optics = None
    if psf is None:
        optics = optics_from_image_file(
            image, args.na, args.wavelength, args.refractive_index,
            pixel_size_nm=args.pixel_size, z_step_nm=args.z_step,
        )
    bar = ProgressBar(label=Path(output).name)
    completed = False
    try:
        result = deconvolve(
            image.data, args.method, axes=image.axes, optics=optics, psf=psf,
            iterations=args.iterations, tv_weight=args.tv, regularization=args.regularization,
            device=args.device, progress=bar, cancel=cancel,
        )
        completed = True
    finally:
        bar.close(completed)
    sizes = _output_pixel_size(image, args, optics)
    metadata = {
        "software": f"napari-inverse {__version__}",
        "source": str(source),
        **{k: result.metadata[k] for k in ("method", "parameters", "optics", "psf_source")},
        "device": result.metadata["device"],
    }
    if "channel_names" in image.metadata:
        metadata["channel_names"] = image.metadata["channel_names"]
    write_ome_tiff(output, result.image, result.metadata["axes"], sizes, metadata)
    pixel = f", {sizes['X']:g} nm pixels" if "X" in sizes else ""
    seconds = result.metadata["seconds"]
    print(f"wrote {output} ({result.metadata['method']}, {seconds:.1f} s{pixel})")
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


def _read_psf(path) -> np.ndarray:
    psf = read_tiff(path)
    if set(psf.axes) - set("ZYX"):
        raise InvalidInput(
            f"the PSF '{path}' has axes {psf.axes!r}; it must be one YX plane or one ZYX stack"
        )
    return np.asarray(psf.data, dtype=np.float32)


def _output_pixel_size(image: ImageFile, args: argparse.Namespace, optics) -> dict[str, float]:
    """The input's calibration with the values the run actually used laid over it."""
    sizes = dict(image.pixel_size_nm)
    lateral = optics.pixel_size_nm if optics is not None else args.pixel_size
    axial = optics.z_step_nm if optics is not None else args.z_step
    if lateral is not None:
        sizes.update(X=float(lateral), Y=float(lateral))
    if axial is not None:
        sizes["Z"] = float(axial)
    return {axis: size for axis, size in sizes.items() if axis in image.axes}
