"""Chunked work from the command line: ``--scheduler``, ``--workers``, ``--chunk``, an OME-Zarr
written chunk by chunk (`napari_inverse.distributed`), a progress bar over chunks and a summary
line; a stopped run resumes when the same command is given again.
"""
from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from ._common import ProgressBar, say, warn


def add_chunk_arguments(command: argparse.ArgumentParser) -> None:
    """The arguments of chunked work; any of them, or a .zarr output, asks for it."""
    group = command.add_argument_group(
        "chunked work", "an OME-Zarr output is written chunk by chunk; running the same command "
        "again after a crash or Ctrl-C resumes with the chunks not yet written")
    group.add_argument("--scheduler", help="threads (default), processes, or a dask scheduler's "
                       "address tcp://HOST:PORT")
    group.add_argument("--workers", type=int, metavar="N",
                       help="threads or worker processes (default: one per CPU core)")
    group.add_argument("--chunk", type=int, metavar="PIXELS",
                       help="chunk size along each spatial axis (default 1024)")


def wants_chunks(args: argparse.Namespace) -> bool:
    """Chunked work when asked for by a flag, by a .zarr output, or by an OME-Zarr input with
    no output named."""
    from ..io import is_ome_zarr_path

    flags = any(getattr(args, name, None) is not None for name in ("scheduler", "workers", "chunk"))
    named = args.output is not None and is_ome_zarr_path(args.output)
    return flags or named or (args.output is None and is_ome_zarr_path(args.input))


def restore_chunked(args: argparse.Namespace, verb: str, options: dict, optics, image, output:
                    Path, sizes: dict[str, float], cancel) -> int:
    """Run ``verb`` chunk by chunk from ``args.input`` into ``output``; print the summary."""
    from ..distributed import run_chunked

    if args.workers is not None and args.workers < 1:
        from ..engine import InvalidInput

        raise InvalidInput(f"--workers must be at least 1, got {args.workers}")
    with ProgressBar(label=f"{output.name} chunks") as bar:
        with warnings.catch_warnings(record=True) as caught:
            run = run_chunked(verb, args.input, output, axes=image.axes, pixel_size_nm=sizes,
                              chunk=args.chunk or 1024, scheduler=args.scheduler or "threads",
                              workers=args.workers, progress=bar, cancel=cancel, optics=optics,
                              **options)
    for warning in caught:
        warn(str(warning.message))
    done_with = run.metadata.get("model", run.metadata["method"])
    say(run.describe())
    print(f"wrote {output} ({done_with}, {run.seconds:.1f} s)")
    return 0
