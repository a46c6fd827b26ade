"""``napari-inverse train --model``: train or fine-tune a model on the user's own TIFFs.

The file is read with its calibration (large files memory-mapped, so a long time-lapse is never
loaded whole) and handed to :func:`napari_inverse.fine_tune`; the pixel size goes onto the card.
Ctrl-C stops training at the next step, saves the best weights so far and exits with 130.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_fine_tune_arguments(group) -> list[argparse.Action]:
    """The --model options (besides --out, --steps, --time-budget, --batch-size,
    --learning-rate and --device, which recipes take too); returns them."""
    return [
        group.add_argument("--input", metavar="TIF",
                           help="noisy image or stack (T/Z frames train a 2-D model)"),
        group.add_argument("--target", metavar="TIF",
                           help="matching target image (care, mrbcr, srbcr)"),
        group.add_argument("--start", metavar="NAME|DIR",
                           help="weights to start from: a zoo name or model folder, or 'new' for "
                           "a fresh network (default: the family's shipped model)"),
        group.add_argument("--name", help="model name (default: the --out folder's name)"),
        group.add_argument("--patch", type=int,
                           help="patch side in pixels (default: the family's)"),
        group.add_argument("--validation-fraction", type=float, default=0.1,
                           help="share of the data held out for validation (default 0.1)"),
        group.add_argument("--axes", help="axes of the input, e.g. TYX (default: from the file)"),
        group.add_argument("--pixel-size", type=float, metavar="NM",
                           help="pixel size in nm for the model card; overrides the file's"),
    ]


def run_fine_tune(args: argparse.Namespace, cancel) -> int:
    from .cli import EXIT_CANCELLED
    from .cli_progress import ProgressBar
    from .engine import InvalidInput
    from .io import read_tiff
    from .methods.fine_tune import fine_tune
    from .training.fine_tuning import SHIPPED

    if not args.input:
        raise InvalidInput("--model needs --input TIF: the images to learn from")
    image = read_tiff(args.input)
    target = read_tiff(args.target).data if args.target else None
    name = args.name or Path(args.out).resolve().name
    bar = ProgressBar(label=name)
    try:
        result = fine_tune(
            image.data, target, family=args.model,
            start=None if args.start == "new" else (args.start or SHIPPED), name=name,
            out=Path(args.out), validation_fraction=args.validation_fraction, patch=args.patch,
            batch_size=args.batch_size, steps=args.steps, learning_rate=args.learning_rate,
            axes=args.axes or image.axes,
            pixel_size_nm=args.pixel_size or image.pixel_size_nm.get("X"), device=args.device,
            progress=bar, cancel=cancel, time_budget_s=args.time_budget,
            on_validation=lambda r: say(f"{name}: step {r['step']} train {r['train_loss']:.4g} "
                                         f"validation {r['validation_loss']:.4g}"))
    finally:
        bar.close()
    card = result.card
    say(f"{name}: {card.steps} steps ({result.stop_reason}) in {card.wall_time_s:.0f} s on "
         f"{card.hardware}; best weights → {result.entry.weights}")
    return EXIT_CANCELLED if result.stop_reason == "cancelled" else 0


def say(line: str) -> None:
    """One progress line on stderr (stdout stays free for results)."""
    print(line, file=sys.stderr, flush=True)
