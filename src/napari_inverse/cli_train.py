"""``napari-inverse train`` and ``napari-inverse models``: make and list zoo models."""
from __future__ import annotations

import argparse
from pathlib import Path

from .cli_fine_tune import add_fine_tune_arguments, say


def add_train_commands(commands) -> None:
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
    mine = add_fine_tune_arguments(train.add_argument_group("training on your images (--model)"))
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
    train.set_defaults(model_only=_flags(mine), recipe_only=_flags(recipe_only))
    models = commands.add_parser("models", help="list the shipped and saved models")
    models.add_argument("--recipes", action="store_true", help="list the training recipes")


def run_train(args: argparse.Namespace, cancel) -> int:
    misplaced = [flag for flag, dest, default in (args.recipe_only if args.model else args.model_only)
                 if getattr(args, dest) != default]
    if misplaced:
        from .engine import InvalidInput

        raise InvalidInput(f"{', '.join(misplaced)}: only for "
                           f"{'--recipe' if args.model else '--model'} training")
    if args.model:
        from .cli_fine_tune import run_fine_tune

        return run_fine_tune(args, cancel)
    from .cli_progress import ProgressBar
    from .training import recipe
    from .training.runner import run_recipe

    chosen = recipe(args.recipe).with_overrides(args.steps, args.time_budget, args.pool_images,
                                                args.batch_size, args.learning_rate)
    bar = ProgressBar(label=chosen.name)
    try:
        run_recipe(chosen, Path(args.out), args.device, args.workers,
                   Path(args.pool_dir) if args.pool_dir else None, progress=bar, cancel=cancel,
                   say=say,
                   init_from=args.init_from)
    finally:
        bar.close()
    return 0


def _plan(fit) -> str:
    return (f"{fit.steps} steps × batch {fit.batch_size}, {fit.schedule} from "
            f"{fit.learning_rate:g}")


def _flags(actions) -> list[tuple[str, str, object]]:
    """(flag, destination, default) of each argument, to spot flags given to the wrong mode."""
    return [(a.option_strings[0], a.dest, a.default) for a in actions]


def run_models(args: argparse.Namespace) -> int:
    if args.recipes:
        from .training import RECIPES

        for r in RECIPES.values():
            print(f"{r.name:20s} {r.family:6s} {r.task:14s} {_plan(r.fit)}, {r.patch}² patches")
            if r.continuation:
                print(f"{'':42s} continued (--init-from): {_plan(r.continuation)}")
        return 0
    from .zoo import list_models

    for entry in list_models():
        card = entry.card
        psnr = card.metrics.get("validation_psnr_db")
        figure = f"{psnr:.2f} dB validation" if isinstance(psnr, (int, float)) else ""
        print(f"{card.name:24s} {card.task:14s} {card.family:6s} {entry.source:8s} "
              f"{card.parameter_count:>9,} params  {figure}")
    return 0
