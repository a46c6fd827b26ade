"""The layer order of docs/architecture.md holds: import-linter's contracts (`.importlinter`) are
kept by the package, and each contract breaks when an import it forbids is added."""
from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parents[1] / ".importlinter"


def broken_contracts(added_imports=(), added_modules=()) -> set[str]:
    """Ids of the contracts the package breaks, with ``added_imports`` (importer, imported)
    and ``added_modules`` put into its import graph first."""
    import grimp
    from importlinter import api  # noqa: F401  (configures import-linter's adapters)
    from importlinter.application.use_cases import read_user_options
    from importlinter.contracts.forbidden import ForbiddenContract
    from importlinter.contracts.layers import LayersContract

    options = read_user_options(str(CONFIG))
    graph = grimp.build_graph(*options.session_options["root_packages"], cache_dir=None,
                              include_external_packages=True)
    for module in added_modules:
        graph.add_module(module)
    for importer, imported in added_imports:
        graph.add_import(importer=importer, imported=imported)
    kinds = {"layers": LayersContract, "forbidden": ForbiddenContract}
    broken = set()
    for spec in options.contracts_options:
        contract = kinds[spec["type"]](spec["name"], options.session_options, spec)
        if not contract.check(copy.deepcopy(graph), verbose=False).kept:  # checks mutate it
            broken.add(spec["id"])
    return broken


def test_the_package_keeps_its_import_contracts():
    from importlinter import api  # noqa: F401  (configures import-linter's adapters)
    from importlinter.application.use_cases import lint_imports

    # prints the broken contracts with the offending import chains (shown by pytest on failure)
    assert lint_imports(str(CONFIG), cache_dir=None), "see the report above"


@pytest.mark.parametrize("importer, imported, contract", [
    ("napari_inverse.training.runner", "napari_inverse.methods.model_restoration", "layers"),
    ("napari_inverse.zoo.registry", "napari_inverse.training.loop", "layers"),
    ("napari_inverse.engine.tiling", "napari_inverse.nets.mrbcr", "layers"),
    ("napari_inverse._napari.verb_dock", "napari_inverse.benchmarks.quality", "layers"),
    ("napari_inverse.benchmarks.quality", "napari_inverse.cli", "layers"),
    ("napari_inverse.cli", "napari_inverse._napari.verb_dock", "faces"),
    ("napari_inverse.engine.progress", "qtpy", "gui"),
    ("napari_inverse.methods.deconvolve", "napari", "gui"),
])
def test_each_contract_breaks_on_an_import_it_forbids(importer, imported, contract):
    assert broken_contracts(added_imports=[(importer, imported)]) == {contract}


def test_a_new_module_must_be_given_a_layer():
    assert broken_contracts(added_modules=["napari_inverse.unplaced_module"]) == {"layers"}


def test_training_imports_without_the_verbs():
    """The package and every module in it, in a fresh interpreter (lazy imports inside
    functions are the contracts' part)."""
    code = ("import importlib, pkgutil, sys, napari_inverse.training as t\n"
            "for m in pkgutil.iter_modules(t.__path__):\n"
            "    importlib.import_module(f'{t.__name__}.{m.name}')\n"
            "print(sorted(m for m in sys.modules if m.startswith('napari_inverse.methods')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
