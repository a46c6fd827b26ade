"""``napari-inverse train``: train a model on the user's own TIFFs (--model) or from a recipe on
the simulator (--recipe), and save it with its model card.

The user's files are read with their calibration (large ones memory-mapped, so a long time-lapse
is never loaded whole); the pixel size goes onto the card. Ctrl-C stops training at the next
step, saves the best weights so far and exits with 130.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from ._common import EXIT_CANCELLED, ProgressBar, say


def add_parser(commands) -> None:
    train = commands.add_parser(
        "train", help="train a model on your images (--model) or from a recipe (--recipe)",
        description="Train on your own TIFFs (--model with --input, and --target for pairs) or "
        "a recipe on the simulator (how every shipped model was made), and save safetensors + "
        "model card into --out. A recipe run checkpoints into --out and resumes from there.")
    what = train.add_mutually_exclusive_group(required=True)
    what.add_argument("--model", metavar="n2v|care|mrbcr|srbcr",
                      help="family to train on your images: n2v (noisy images alone), care, "
                      "mrbcr or srbcr (input + target pairs)")
    what.add_argument("--recipe", help="recipe name (see 'models --recipes')")
    train.add_argument("--out", required=True, metavar="DIR", help="folder for the model")
    train.add_argument("--steps", type=int, help="training steps (default: 1000 for --model, "
                       "the recipe's otherwise)")
    train.add_argument("--time-budget", type=float, metavar="S",
                       help="stop after S seconds of training (the best weights are kept)")
    train.add_argument("--batch-size", type=int, help="patches per step (default: the "
                       "family's, 16 on a CPU; a recipe's own)")
    train.add_argument("--learning-rate", type=float,
                       help="Adam step size (default: the family's or the recipe's)")
    mine = _add_user_data_arguments(train.add_argument_group("training on your images (--model)"))
    recipes = train.add_argument_group("training from a recipe (--recipe)")
    recipe_only = [
        recipes.add_argument("--pool-images", type=int, help="override the simulated pool size"),
        recipes.add_argument("--pool-dir", metavar="DIR",
                             help="cache the simulated pools here (shared between recipes)"),
        recipes.add_argument("--workers", type=int, default=1,
                             help="processes simulating the pool"),
        recipes.add_argument("--init-from", metavar="MODEL",
                             help="start from this model's weights (zoo name or folder), e.g. to "
                             "continue a shipped model's training")]
    train.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    train.set_defaults(run=run, model_only=_flags(mine), recipe_only=_flags(recipe_only))


def _add_user_data_arguments(group) -> list[argparse.Action]:
    """The --model options (besides --out, --steps, --time-budget, --batch-size,
    --learning-rate and --device, which recipes take too); returns them."""
    return [
        group.add_argument("--input", metavar="TIF",
                           help="noisy image or stack (T/Z frames train a 2-D model)"),
        group.add_argument("--target", metavar="TIF",
                           help="matching target image (care, mrbcr, srbcr)"),
        group.add_argument("--start", metavar="NAME|DIR",
                           help="weights to start from: a zoo name or model folder, 'shipped' "
                           "for the family's shipped model, or 'new' for a fresh network "
                           "(default: new for n2v, shipped for the others)"),
        group.add_argument("--name", help="model name (default: the --out folder's name)"),
        group.add_argument("--patch", type=int,
                           help="patch side in pixels (default: the family's)"),
        group.add_argument("--validation-fraction", type=float, default=0.1,
                           help="share of the data held out for validation (default 0.1)"),
        group.add_argument("--axes", help="axes of the input, e.g. TYX (default: from the file)"),
        group.add_argument("--pixel-size", type=float, metavar="NM",
                           help="pixel size in nm for the model card; overrides the file's"),
    ]


def _flags(actions) -> list[tuple[str, str, object]]:
    """(flag, destination, default) of each argument, to spot flags given to the wrong mode."""
    return [(a.option_strings[0], a.dest, a.default) for a in actions]


def run(args: argparse.Namespace, cancel) -> int:
    other_mode = args.recipe_only if args.model else args.model_only
    misplaced = [flag for flag, dest, default in other_mode if getattr(args, dest) != default]
    if misplaced:
        from ..engine import InvalidInput

        raise InvalidInput(f"{', '.join(misplaced)}: only for "
                           f"{'--recipe' if args.model else '--model'} training")
    return _train_on_user_data(args, cancel) if args.model else _train_recipe(args, cancel)


def _train_recipe(args: argparse.Namespace, cancel) -> int:
    from ..training import recipe
    from ..training.runner import run_recipe

    chosen = recipe(args.recipe).with_overrides(args.steps, args.time_budget, args.pool_images,
                                                args.batch_size, args.learning_rate)
    with ProgressBar(label=chosen.name) as bar:
        run_recipe(chosen, Path(args.out), args.device, args.workers,
                   Path(args.pool_dir) if args.pool_dir else None, progress=bar, cancel=cancel,
                   say=say, init_from=args.init_from)
    return 0


def _train_on_user_data(args: argparse.Namespace, cancel) -> int:
    """Train or fine-tune with :func:`napari_inverse.fine_tune` on --input (and --target)."""
    from ..engine import InvalidInput
    from ..io import read_tiff
    from ..methods.fine_tune import fine_tune
    from ..training.fine_tuning import DEFAULT_START

    if not args.input:
        raise InvalidInput("--model needs --input TIF: the images to learn from")
    image = read_tiff(args.input)
    target = read_tiff(args.target).data if args.target else None
    name = args.name or Path(args.out).resolve().name
    with ProgressBar(label=name) as bar:
        result = fine_tune(
            image.data, target, family=args.model,
            start=None if args.start == "new" else (args.start or DEFAULT_START), name=name,
            out=Path(args.out), validation_fraction=args.validation_fraction, patch=args.patch,
            batch_size=args.batch_size, steps=args.steps, learning_rate=args.learning_rate,
            axes=args.axes or image.axes,
            pixel_size_nm=args.pixel_size or image.pixel_size_nm.get("X"), device=args.device,
            progress=bar, cancel=cancel, time_budget_s=args.time_budget,
            on_validation=lambda r: say(f"{name}: step {r['step']} train {r['train_loss']:.4g} "
                                        f"validation {r['validation_loss']:.4g}"))
    card = result.card
    say(f"{name}: {card.steps} steps ({result.stop_reason}) in {card.wall_time_s:.0f} s on "
        f"{card.hardware}; best weights → {result.entry.weights}")
    return EXIT_CANCELLED if result.stop_reason == "cancelled" else 0
