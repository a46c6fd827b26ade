"""``napari-inverse models``: list the shipped and saved models, or the training recipes."""
from __future__ import annotations

import argparse


def add_parser(commands) -> None:
    models = commands.add_parser("models", help="list the shipped and saved models")
    models.add_argument("--recipes", action="store_true", help="list the training recipes")
    models.set_defaults(run=run)


def run(args: argparse.Namespace, cancel) -> int:
    if args.recipes:
        from ..training import RECIPES

        for r in RECIPES.values():
            print(f"{r.name:20s} {r.family:6s} {r.task:14s} {_plan(r.fit)}, {r.patch}² patches")
            if r.continuation:
                print(f"{'':42s} continued (--init-from): {_plan(r.continuation)}")
        return 0
    from ..zoo import list_models

    for entry in list_models():
        card = entry.card
        psnr = card.metrics.get("validation_psnr_db")
        figure = f"{psnr:.2f} dB validation" if isinstance(psnr, (int, float)) else ""
        print(f"{card.name:24s} {card.task:14s} {card.family:6s} {entry.source:8s} "
              f"{card.parameter_count:>9,} params  {figure}")
    return 0


def _plan(fit) -> str:
    return (f"{fit.steps} steps × batch {fit.batch_size}, {fit.schedule} from "
            f"{fit.learning_rate:g}")
