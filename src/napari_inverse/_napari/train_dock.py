"""The Train dock: fine-tune (or train anew) a model on the user's layers, watch it learn, use it.

Everything that trains lives in :func:`napari_inverse.fine_tune`; the dock gathers its
arguments from layers (several training and validation layers, targets paired by position) and
fields, draws the loss curves it reports, and lets the user Stop (the best validated weights are
still saved) and Predict with the saved model through the same verbs, and the same pixel-size
check, as the Denoise and Deconvolve docks. The model is saved by ``fine_tune`` itself, into the
user's models folder or a folder picked here, and announced so every open model picker lists it
at once. The dock keeps only the saved model's path, never the network, so nothing holds device
memory after a run.
"""
from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from magicgui.widgets import (ComboBox, Container, FileEdit, FloatSpinBox, Label, LineEdit,
                              PushButton, SpinBox)
from qtpy.QtCore import QObject, Qt, Signal

from ..engine.device import select_device
from ..engine.progress import Cancelled, CancelLike
from ..methods import deconvolve, denoise, segment_focus, super_resolve
from ..methods.fine_tune import FineTuneResult, fine_tune
from ..optics import Optics
from ..training.fine_tuning import (DEFAULT_START, PAIRED, STARTS, fine_tune_settings,
                                    resolve_start)
from ..zoo import FAMILIES, ZooEntry, list_models
from ..zoo.card import check_model_name
from .compact import compact, wrap_text
from .layer_optics import optics_from_layer
from .layer_select import LayerSelect
from .loss_plot import LossPlot
from .job_runner import JobRunner
from .model_choice import announce_saved_model, follow_saved_models, model_reference
from .model_packages import ask_package_to_write, export_job
from .pixel_size_check import PixelSizeCheck
from .training_layers import common_axes, layer_arrays, training_pixel_size
from .verb_dock import VerbDock

NEW = "new"  # the start choice for fresh weights (fine_tune's start=None)
# On a CPU a run should take minutes, not an hour: the recipes' 128² patches cost four times
# the 64² ones per step, and Stop keeps the best weights if the user wants fewer steps still.
CPU_PATCH, CPU_STEPS = 64, 200


class _Records(QObject):
    """Carries ``fit``'s validation records from the worker thread to the GUI thread.

    The worker emits ``from_worker``; the queued connection re-emits ``arrived`` on the GUI
    thread (a plain Python slot connected to a signal emitted in the worker would run there).
    """

    arrived = Signal(object)
    from_worker = Signal(object)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.from_worker.connect(self.arrived, Qt.ConnectionType.QueuedConnection)


class TrainDock(VerbDock):
    """Dock widget for training; napari passes the viewer as ``napari_viewer``."""

    settings_name = "train"
    persisted = ("family", "validation_fraction", "device")
    previews = False  # training's result is a model, not a region of an image

    def __init__(self, napari_viewer) -> None:
        self._trained: Optional[ZooEntry] = None
        self._total_steps, self._budget_s = 0, 0.0
        _optimiser_machinery()
        super().__init__(napari_viewer)
        self.run_button.text, self.cancel_button.text = "Start", "Stop"
        self.loss_plot = LossPlot()
        plot_box = Container(labels=False)
        plot_box.native.layout().addWidget(self.loss_plot)
        self.speed = Label(value="")
        self.predict_on = ComboBox(label="predict on", choices=self._image_layers,
                                   nullable=False)
        self.predict_check = PixelSizeCheck()
        self.predict_button = PushButton(text="Predict", enabled=False)
        self.export_button = PushButton(
            text="Export…", enabled=False,
            tooltip="write the saved model as a BioImage Model Zoo package (.zip) for Fiji, "
                    "ilastik, CAREamics and bioimageio.core")
        self._exporter = JobRunner(self.native)
        self._exporter.succeeded.connect(self._on_exported)
        self._exporter.finished.connect(lambda _: self._set_running(self.runner.running))
        buttons = Container(widgets=[self.predict_button, self.export_button],
                            layout="horizontal", labels=False)
        buttons.margins = (0, 0, 0, 0)
        self.insert(self.index(self.message) + 1, plot_box)
        self.extend([self.speed, self.predict_on, self.predict_check, buttons])
        wrap_text(self.speed)
        compact(self)  # the Predict layer picker too
        self._records = _Records(self.native)
        self._records.arrived.connect(self._on_record)
        self.predict_on.changed.connect(self._check_predict_layer)
        follow_saved_models(self.start, self.start.reset_choices)  # training resumes from it
        self.predict_button.changed.connect(lambda: self._start(self.predict_on.value,
                                                                self._predict_job))
        self.export_button.changed.connect(self._export)

    def _run(self) -> None:
        """Training's result is a saved model, not a layer: removing a training layer (whose
        data the job already holds) does not stop it; Predict is bound to its layer."""
        self._start(self._layer(), self._job, result_on_layer=False)

    def _layer_picker(self) -> LayerSelect:
        """Several training layers; the viewer's current one is chosen while none is."""
        return LayerSelect(self._image_layers, "noisy images",
                           current=lambda: self._viewer.layers.selection.active)

    def _layer(self):
        """The first training layer: it pre-fills the fields and gives the model's pixel size."""
        layers = self.image.value
        return layers[0] if layers else None

    def _parameters(self) -> list:
        self.family = ComboBox(label="family", choices=[(FAMILIES[f].title, f) for f in STARTS])
        self.start = ComboBox(label="start from", choices=self._starts)
        self.target = LayerSelect(self._image_layers, "targets")
        self.validation = LayerSelect(self._image_layers, "validation")
        self.validation_target = LayerSelect(self._image_layers, "validation targets")
        self.validation_fraction = FloatSpinBox(label="held-out fraction", value=0.1, min=0.0,
                                                max=0.45, step=0.05)
        self.patch = SpinBox(label="patch size", value=64, min=16, max=1024, step=16)
        self.batch_size = SpinBox(label="batch size", value=16, min=1, max=1024)
        self.steps = SpinBox(label="steps", value=CPU_STEPS, min=1, max=1_000_000, step=100)
        self.learning_rate = FloatSpinBox(label="learning rate", value=1e-3, min=1e-6, max=1.0,
                                          step=1e-5)
        self.learning_rate.native.setDecimals(6)
        self.time_budget = FloatSpinBox(label="time budget (min)", value=0, min=0, max=10_000,
                                        step=1)
        self.time_budget.native.setSpecialValueText("no limit")
        self.model_name = LineEdit(label="model name", value="my-model")
        self.save_to = FileEdit(label="save to…", mode="d", nullable=True, value=None)
        self.save_to.native.setToolTip("empty: the user's models folder")
        self.family.changed.connect(self._on_family)
        self.start.changed.connect(self._apply_defaults)
        self.device.changed.connect(self._apply_defaults)
        self.validation.changed.connect(self._update_visibility)
        self._on_family()
        return [self.family, self.start, self.target, self.steps, self.time_budget,
                self.model_name]

    def _advanced(self) -> list:
        """What most runs keep: validation (a held-out fraction of the inputs unless layers
        are chosen), the recipe's settings (the family's, shortened on a CPU), folder, device."""
        return [self.validation, self.validation_target, self.validation_fraction, self.patch,
                self.batch_size, self.learning_rate, self.save_to, self.device]

    def _paired(self) -> bool:
        return self.family.value in PAIRED

    def _starts(self, _widget=None) -> list[tuple[str, str]]:
        """Fresh weights, or any zoo model of the family (the shipped one first, then saved)."""
        entries = list_models(family_name=self.family.value)
        return [("new (random weights)", NEW),
                *[(f"{e.name} ({e.source})", model_reference(e)) for e in entries]]

    def _on_family(self) -> None:
        self.start.reset_choices()
        family_name = self.family.value
        fresh = resolve_start(family_name, DEFAULT_START) is None  # as fine_tune and the CLI
        self.start.value = NEW if fresh else STARTS[family_name]
        self._apply_defaults()
        self._update_visibility()

    def _apply_defaults(self) -> None:
        """The family's recipe settings as fine_tune would pick them, shortened on a CPU."""
        try:
            device = select_device(self.device.value)
        except ValueError:  # a saved GPU this machine lacks: the run itself will say so
            return
        patch, config = fine_tune_settings(self.family.value, self.start.value != NEW, device,
                                           None, None, None, None, None, 0)
        on_cpu = device.type == "cpu"
        self.patch.value = min(patch, CPU_PATCH) if on_cpu else patch
        self.steps.value = CPU_STEPS if on_cpu else config.steps
        self.batch_size.value, self.learning_rate.value = config.batch_size, config.learning_rate

    def _update_visibility(self) -> None:
        paired = self._paired()
        self.image.label = ("inputs" if paired else
                            "focal stacks" if self.family.value == "focus" else "noisy images")
        self.target.visible = paired
        self.validation_target.visible = paired and bool(self.validation.value)
        self.validation_fraction.visible = not self.validation.value

    def _job(self, data, layer):
        """fine_tune on every chosen layer (``data`` and ``layer`` are only the first)."""
        paired, layers, checks = self._paired(), self.image.value, self.validation.value
        inputs, targets = layer_arrays(layers, self.target.value if paired else None)
        validation, validation_targets = (
            layer_arrays(checks, self.validation_target.value if paired else None, "validation ")
            if checks else (None, None))
        name, out = self._destination()
        budget_s = self.time_budget.value * 60
        options = dict(
            family=self.family.value, start=None if self.start.value == NEW else self.start.value,
            name=name, out=out, validation=validation, validation_targets=validation_targets,
            validation_fraction=self.validation_fraction.value, patch=self.patch.value,
            batch_size=self.batch_size.value, steps=self.steps.value,
            learning_rate=self.learning_rate.value, axes=common_axes([*layers, *checks]),
            pixel_size_nm=training_pixel_size(layers), optics=self._focal_optics(layers),
            device=self.device.value,
            time_budget_s=budget_s or None, on_validation=self._records.from_worker.emit)
        self._total_steps, self._budget_s = self.steps.value, budget_s
        self.loss_plot.clear()
        self.speed.value = ""

        def job(progress, cancel):
            wait_for(_optimiser_machinery(), cancel)  # a Start right after opening
            return fine_tune(inputs, targets, progress=progress, cancel=cancel, **options)

        return job

    def _focal_optics(self, layers) -> Optional[Optics]:
        """For the focus family, the first stack's microscope when it states its NA and z step:
        it labels the stacks by the depth-of-field rule and gives the network its depth of field
        (without it the in-focus network neither trains nor predicts, and says so)."""
        fields = optics_from_layer(layers[0]) if layers else {}
        if self.family.value != "focus" or not {"na", "z_step_nm"} <= fields.keys():
            return None
        return Optics(na=fields["na"], z_step_nm=fields["z_step_nm"],
                      wavelength_nm=fields.get("wavelength_nm", self.wavelength_nm.value),
                      pixel_size_nm=fields.get("pixel_size_nm", self.pixel_size_nm.value),
                      refractive_index=fields.get("refractive_index",
                                                  self.refractive_index.value))

    def _destination(self) -> tuple[str, Optional[Path]]:
        """The model's name and folder: ``<save to>/<name>``, or None for the user's models."""
        name = check_model_name(self.model_name.value.strip())
        folder = self.save_to.value
        return name, Path(folder) / name if folder else None

    def _predict_job(self, data, layer):
        """The saved model on ``layer`` through the verb of its task, as the other docks run it."""
        card = self._trained.card
        if card.task == "focus":  # the in-focus mask, 0/1, on the stack's grid
            segment = self._verb_job(segment_focus, data, layer, "cnn",
                                     model=str(self._trained.weights),
                                     optics=self._focal_optics([layer]))

            def job(progress, cancel):
                result = segment(progress, cancel)
                result.image = result.image.astype(np.uint8)
                return result

            return job
        if card.task == "super_resolution":  # samples; no resampling to the model's grid
            return self._verb_job(super_resolve, data, layer, card.family,
                                  model=str(self._trained.weights), optics=self._predict_optics())
        verb = denoise if card.task == "denoising" else deconvolve
        return self._verb_job(verb, data, layer, card.family, model=str(self._trained.weights),
                              optics=self._predict_optics(),
                              resample=self.predict_check.resample_wanted)

    def _predict_optics(self) -> Optional[Optics]:
        """The Predict layer's microscope for the pixel-size check; None when its pixel size is
        unknown (nothing to check). NA and emission it does not state are the dock's fields,
        which the first training layer filled."""
        layer = self.predict_on.value
        fields = optics_from_layer(layer) if layer is not None else {}
        if "pixel_size_nm" not in fields:
            return None
        return Optics(na=fields.get("na", self.na.value),
                      wavelength_nm=fields.get("wavelength_nm", self.wavelength_nm.value),
                      pixel_size_nm=fields["pixel_size_nm"],
                      refractive_index=fields.get("refractive_index",
                                                  self.refractive_index.value))

    def _check_predict_layer(self, *_) -> None:
        card = self._trained.card if self._trained is not None else None
        self.predict_check.check(card, self._predict_optics)

    def _set_running(self, running: bool) -> None:
        super()._set_running(running)
        self.predict_button.enabled = not running and self._trained is not None
        self.export_button.enabled = (not running and not self._exporter.running
                                      and self._trained is not None)

    def _export(self) -> None:
        """Ask where, then write the saved model as a package in a worker (it simulates a test
        image and runs the network once)."""
        if self._trained is None or self._exporter.running:
            return
        output = ask_package_to_write(self.native, self._trained.name)
        if output is None:
            return
        self.message.value = f"exporting {self._trained.name}…"
        self.export_button.enabled = False
        self._exporter.start(export_job(self._trained.weights, output))

    def _on_exported(self, path) -> None:
        self.message.value = f"exported {self._trained.name} to {path}"

    def _on_record(self, record: dict) -> None:
        self.loss_plot.add(record)
        if record["seconds"] > 0:
            rate = record["step"] / record["seconds"]
            left = max(self._total_steps - record["step"], 0) / rate
            if self._budget_s:
                left = min(left, max(self._budget_s - record["seconds"], 0.0))
            self.speed.value = f"{rate:.2f} steps/s, about {_duration(left)} left"

    def _on_result(self, result) -> None:
        if not isinstance(result, FineTuneResult):  # a prediction
            super()._on_result(result)
            metadata = result.metadata
            self.message.value = f"predicted on {metadata['device']} in {metadata['seconds']:.1f} s"
            return
        self._trained = result.entry
        announce_saved_model()
        self._check_predict_layer()
        best = result.card.metrics.get("best_validation_loss")
        self.message.value = (f"saved {result.card.name} after {result.card.steps} steps "
                              f"({result.stop_reason}; best validation loss {best:.4g}) to "
                              f"{result.entry.weights.parent}")

    def _on_finished(self, status: str) -> None:
        super()._on_finished(status)
        if status == "done":
            self.speed.value = ""


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


def wait_for(thread: threading.Thread, cancel: CancelLike) -> None:
    """Join ``thread`` in a worker, giving up within 0.1 s of a cancel (the import it waits for
    can take seconds on a loaded machine, and Cancel must answer within one)."""
    while thread.is_alive():
        if cancel.is_set():
            raise Cancelled("cancelled by the user; no result was produced")
        thread.join(0.1)


@functools.cache
def _optimiser_machinery() -> threading.Thread:
    """Import what torch's first optimiser needs in the background, once per session.

    A process's first ``torch.optim`` optimiser imports ``torch._dynamo`` (about 800 modules,
    ~2 s). Built at Start, in the training thread, its module initialisers held the GIL long
    enough to stall the viewer ~0.33 s; built on the GUI thread when the dock opened, they froze
    the opening for ~2.2 s. Started in its own thread when the dock opens, the import is done
    before a user clicks Start, costing the viewer only the same few short GIL holds; a job that
    starts sooner waits for it off the GUI thread (``join`` in the training job).
    """
    thread = threading.Thread(target=lambda: torch.optim.Adam([torch.zeros(1, requires_grad=True)]),
                              name="napari-inverse: optimiser import", daemon=True)
    thread.start()
    return thread
