"""``napari-inverse train`` and ``napari-inverse models``: make and list zoo models."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_train_commands(commands) -> None:
    train = commands.add_parser(
        "train", help="train a model from a recipe (how every shipped model was made)",
        description="Train a recipe on the simulator and save safetensors + model card. The run "
        "checkpoints into --out and resumes from there when started again.")
    train.add_argument("--recipe", required=True, help="recipe name (see 'models --recipes')")
    train.add_argument("--out", required=True, metavar="DIR", help="folder for the model")
    train.add_argument("--steps", type=int, help="override the recipe's step count")
    train.add_argument("--time-budget", type=float, metavar="S",
                       help="stop after S seconds of training (the best weights are kept)")
    train.add_argument("--pool-images", type=int, help="override the simulated pool size")
    train.add_argument("--pool-dir", metavar="DIR",
                       help="cache the simulated pools here (shared between recipes)")
    train.add_argument("--workers", type=int, default=1, help="processes simulating the pool")
    train.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    train.add_argument("--init-from", metavar="MODEL",
                       help="start from this model's weights (zoo name or folder), e.g. to "
                       "continue a shipped model's training")
    models = commands.add_parser("models", help="list the shipped and saved models")
    models.add_argument("--recipes", action="store_true", help="list the training recipes")


def run_train(args: argparse.Namespace, cancel) -> int:
    from .cli_progress import ProgressBar
    from .training import recipe
    from .training.runner import run_recipe

    chosen = recipe(args.recipe).with_overrides(args.steps, args.time_budget, args.pool_images)
    bar = ProgressBar(label=chosen.name)
    try:
        run_recipe(chosen, Path(args.out), args.device, args.workers,
                   Path(args.pool_dir) if args.pool_dir else None, progress=bar, cancel=cancel,
                   say=lambda line: print(line, file=sys.stderr, flush=True),
                   init_from=args.init_from)
    finally:
        bar.close()
    return 0


def run_models(args: argparse.Namespace) -> int:
    if args.recipes:
        from .training import RECIPES

        for r in RECIPES.values():
            print(f"{r.name:20s} {r.family:6s} {r.task:14s} {r.fit.steps} steps × batch "
                  f"{r.fit.batch_size}, {r.patch}² patches")
        return 0
    from .zoo import list_models

    for entry in list_models():
        card = entry.card
        psnr = card.metrics.get("validation_psnr_db")
        figure = f"{psnr:.2f} dB validation" if isinstance(psnr, (int, float)) else ""
        print(f"{card.name:24s} {card.task:14s} {card.family:6s} {entry.source:8s} "
              f"{card.parameter_count:>9,} params  {figure}")
    return 0
