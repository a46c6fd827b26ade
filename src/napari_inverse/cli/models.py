"""``napari-inverse models``: list the shipped and saved models or the training recipes, and
export or import BioImage Model Zoo packages (``models export NAME -o pkg.zip``,
``models import pkg.zip``)."""
from __future__ import annotations

import argparse

from ._common import Parser


def add_parser(commands) -> None:
    models = commands.add_parser("models", help="list, export or import models")
    models.add_argument("--recipes", action="store_true", help="list the training recipes")
    models.set_defaults(run=run)
    actions = models.add_subparsers(dest="action", title="actions", parser_class=Parser)
    export = actions.add_parser(
        "export", help="write a model as a BioImage Model Zoo package (.zip)")
    export.add_argument("model", help="a zoo name, a model folder or its .safetensors file")
    export.add_argument("-o", "--output", required=True, help="the package to write (.zip)")
    export.add_argument("--pixel-size", type=float, metavar="NM",
                        help="pixel size the package states, in nm (default: the card's)")
    export.add_argument("--author", default="napari-inverse", help="the package's author")
    export.set_defaults(run=run_export)
    imported = actions.add_parser(
        "import", help="add a BioImage Model Zoo package (.zip or folder) to your models")
    imported.add_argument("package", help="the package: a .zip or the folder it unpacks to")
    imported.add_argument("--name", help="the model's name here (default: the package's)")
    imported.set_defaults(run=run_import)


def run(args: argparse.Namespace, cancel) -> int:
    if args.recipes:
        from ..training import RECIPES

        for r in RECIPES.values():
            print(f"{r.name:20s} {r.family:6s} {r.task:14s} {_plan(r.fit)}, {r.patch}² patches")
            if r.continuation:
                kind = "self-training on its own masks" if r.self_training else "continued"
                print(f"{'':42s} {kind} (--init-from): {_plan(r.continuation)}")
        return 0
    from ..zoo import list_models

    for entry in list_models():
        card = entry.card
        psnr = card.metrics.get("validation_psnr_db")
        figure = f"{psnr:.2f} dB validation" if isinstance(psnr, (int, float)) else ""
        print(f"{card.name:24s} {card.task:14s} {card.family:6s} {entry.source:8s} "
              f"{card.parameter_count:>9,} params  {figure}")
    return 0


def run_export(args: argparse.Namespace, cancel) -> int:
    from ..methods.model_export import export_model

    written = export_model(args.model, args.output, pixel_size_nm=args.pixel_size,
                           author=args.author)
    print(written)
    return 0


def run_import(args: argparse.Namespace, cancel) -> int:
    from ..zoo.package_import import import_package

    entry = import_package(args.package, name=args.name)
    print(f"imported {entry.name} ({entry.card.family}, {entry.card.task}) into "
          f"{entry.weights.parent}")
    return 0


def _plan(fit) -> str:
    return (f"{fit.steps} steps × batch {fit.batch_size}, {fit.schedule} from "
            f"{fit.learning_rate:g}")
