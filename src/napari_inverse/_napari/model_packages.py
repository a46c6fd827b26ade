"""BioImage Model Zoo packages from the docks: the pickers' "Import…" and the Train dock's
"Export…", asking for the file with a Qt dialog and calling the zoo's import and the export verb.

Import is quick (a few MB read, nothing run) and happens on the GUI thread; export simulates a
test image and runs the network, so the Train dock runs it in a worker (`JobRunner`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from napari.utils.notifications import show_error, show_info
from qtpy.QtWidgets import QFileDialog, QWidget

from ..zoo import ZooEntry


def ask_package_to_import(parent: QWidget) -> Optional[str]:
    """The package (.zip) the user picks, or None when the dialog is cancelled."""
    path, _ = QFileDialog.getOpenFileName(parent, "Import a BioImage Model Zoo package", "",
                                          "BioImage Model Zoo package (*.zip)")
    return path or None


def ask_package_to_write(parent: QWidget, name: str) -> Optional[str]:
    """Where the user wants the package written (.zip), or None when cancelled."""
    path, _ = QFileDialog.getSaveFileName(parent, "Export as a BioImage Model Zoo package",
                                          f"{name}.zip", "BioImage Model Zoo package (*.zip)")
    if not path:
        return None
    return path if path.endswith(".zip") else path + ".zip"


def import_chosen_package(parent: QWidget) -> Optional[ZooEntry]:
    """Ask for a package and import it as a user model; None when cancelled or refused (the
    reason shown as an error notification). The caller announces it to the pickers."""
    from ..zoo.package_import import import_package

    path = ask_package_to_import(parent)
    if path is None:
        return None
    try:
        entry = import_package(path)
    except (ValueError, OSError) as error:
        show_error(f"{Path(path).name} was not imported: {error}")
        return None
    show_info(f"imported {entry.name} ({entry.card.family}, {entry.card.task}) into "
              f"{entry.weights.parent}")
    return entry


def export_job(model: str | Path, output: str):
    """The Train dock's job: ``model`` written to ``output``; returns the package's path."""
    def job(progress, cancel):
        from ..methods.model_export import export_model

        return export_model(model, output)

    return job
