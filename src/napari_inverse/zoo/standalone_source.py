"""One self-contained Python file holding a network class and the `nets` modules it needs.

A BioImage Model Zoo package names its architecture by a source file and a callable, and its
consumers (bioimageio.core, deepImageJ's Python bridge) import that file alone. The file is
written from this project's own modules at export time, so the package runs exactly the code the
zoo runs: the modules are joined in dependency order with their relative imports removed.
"""
from __future__ import annotations

import ast
import importlib
import inspect

_FUTURE = "from __future__ import annotations"


def standalone_source(network: type) -> str:
    """Python source defining ``network`` (a class in ``napari_inverse.nets``) with torch alone.

    ``ValueError`` when two joined modules define the same top-level name: the flat file would
    silently let one shadow the other.
    """
    package = network.__module__.rpartition(".")[0]
    modules = _dependency_order(network.__module__, package)
    defined: dict[str, str] = {}
    parts = [f'"""{network.__name__} from napari-inverse ({", ".join(modules)}), one file '
             'for BioImage Model Zoo consumers; generated, do not edit."""', _FUTURE]
    for name in modules:
        source = inspect.getsource(importlib.import_module(name))
        tree = ast.parse(source)
        for top in _top_level_names(tree):
            if top in defined:
                raise ValueError(f"{name} and {defined[top]} both define {top!r}; rename one "
                                 "so the network's modules can be joined into one file")
            defined[top] = name
        parts.append(f"# ---- {name} ----\n" + _without_local_imports(source, tree))
    return "\n\n".join(parts) + "\n"


def _dependency_order(module: str, package: str) -> list[str]:
    """``module`` and the package modules it imports (transitively), each after its imports."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        tree = ast.parse(inspect.getsource(importlib.import_module(name)))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                visit(f"{package}.{node.module}")
            elif isinstance(node, ast.ImportFrom) and node.level:
                raise ValueError(f"{name} imports from outside {package} ({node.module}); "
                                 "a packaged network may use torch and its own package only")
        order.append(name)

    visit(module)
    return order


def _top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def _without_local_imports(source: str, tree: ast.Module) -> str:
    """``source`` without its ``__future__`` import and its package-relative imports."""
    lines = source.splitlines()
    drop: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or node.module == "__future__"):
            drop |= set(range(node.lineno - 1, node.end_lineno))
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)
