"""BioImage Model Zoo packages in real viewers: the picker's "Import…" entry and the Train
dock's "Export…" button (the file dialogs answered by the test)."""
from __future__ import annotations

import zipfile
from pathlib import Path

import bioimageio.spec  # noqa: F401  (the testing extra: missing, these tests fail)
import numpy as np
import pytest

from napari_inverse._napari import model_packages, train_dock
from napari_inverse._napari.model_choice import IMPORT
from napari_inverse.zoo import ModelCard, build_network, save_model

from .test_deconvolve_dock import run_and_wait

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("single_thread")]
CAREAMICS_ZIP = Path(__file__).parents[1] / "zoo" / "fixtures" / "careamics_n2v.zip"


def choose_import(picker) -> None:
    """What a click on "Import…" does: the value changes, then Qt reports the activation."""
    picker.model.value = IMPORT
    picker.model.native.activated.emit(picker.model.native.currentIndex())


def test_import_adds_a_careamics_model_chooses_it_and_runs_it(open_dock, qtbot, monkeypatch,
                                                              notifications):
    viewer, dock = open_dock(widget="Denoise")
    dock.method.value = "n2v"
    picker = dock.models
    before = picker.model.value
    assert picker.model.choices[-1] == IMPORT
    monkeypatch.setattr(model_packages, "ask_package_to_import", lambda parent: None)
    choose_import(picker)  # the dialog cancelled: back to the model chosen before
    assert picker.model.value == before

    monkeypatch.setattr(model_packages, "ask_package_to_import",
                        lambda parent: str(CAREAMICS_ZIP))
    choose_import(picker)
    assert picker.model.value.endswith("careamics-n2v-fixture.safetensors")
    assert any("imported careamics-n2v-fixture" in m for _, m in notifications)
    image = np.random.default_rng(0).poisson(110, (64, 64)).astype(np.float32)
    dock.image.value = viewer.add_image(image, name="noisy")
    run_and_wait(qtbot, dock)
    assert viewer.layers["noisy · careamics-n2v-fixture"].data.shape == image.shape

    monkeypatch.setattr(model_packages, "ask_package_to_import", lambda parent: __file__)
    choose_import(picker)  # a refused package: its reason shown, the choice kept
    assert ("error", f"{Path(__file__).name} was not imported: {__file__} is not a zip file; "
            "a BioImage Model Zoo package is a .zip (or an unpacked folder)") in notifications
    assert picker.model.value.endswith("careamics-n2v-fixture.safetensors")


def test_export_writes_the_trained_model_as_a_package(open_dock, qtbot, monkeypatch, tmp_path):
    viewer, dock = open_dock(widget="Train")
    assert not dock.export_button.enabled  # nothing trained yet
    card = ModelCard(name="dock-care", family="care", task="denoising", pixel_size_nm=65.0,
                     architecture={"ndim": 2, "depth": 1, "first_filters": 4})
    dock._trained = save_model(build_network(card.family, card.architecture), card)
    dock._set_running(False)  # as after a run
    assert dock.export_button.enabled
    output = tmp_path / "dock-care.zip"
    monkeypatch.setattr(train_dock, "ask_package_to_write", lambda parent, name: str(output))
    dock.export_button.clicked()
    qtbot.waitUntil(lambda: not dock._exporter.running, timeout=60_000)
    assert dock.message.value == f"exported dock-care to {output}"
    with zipfile.ZipFile(output) as package:
        assert {"rdf.yaml", "weights.pt", "care_network.py"} <= set(package.namelist())
    assert dock.export_button.enabled and dock.run_button.enabled
