"""The Deconvolve dock: gathers parameters for ``napari_inverse.deconvolve`` and shows its result.

Optics fields are pre-filled from the chosen layer (scale, metadata); the verb runs in a
:class:`JobRunner` worker with a progress bar and Cancel; the result becomes the layer
"<source> [<method>]" on the source's grid. No science lives here.
"""
from __future__ import annotations

from magicgui.widgets import (
    CheckBox,
    ComboBox,
    Container,
    FloatSpinBox,
    Label,
    ProgressBar,
    PushButton,
    SpinBox,
)
from napari.layers import Image
from napari.utils.notifications import show_error

from ..engine.device import available_devices
from ..methods import deconvolve
from ..optics import Optics
from .job_runner import JobRunner
from .layer_optics import layer_axes, optics_from_layer
from .result_layers import show_result
from .settings import load_settings, save_settings

METHODS = [("Richardson–Lucy", "richardson_lucy"), ("Wiener", "wiener")]
PERSISTED = (
    "method", "na", "wavelength_nm", "refractive_index", "iterations", "tv_weight",
    "regularization", "device",
)
SETTINGS_NAME = "deconvolve"


class DeconvolveDock(Container):
    """Dock widget for deconvolution; napari passes the viewer as ``napari_viewer``."""

    def __init__(self, napari_viewer) -> None:
        super().__init__()
        self._viewer = napari_viewer
        self.image = ComboBox(label="image", choices=self._image_layers, nullable=False)
        self.method = ComboBox(label="method", choices=METHODS)
        self.na = FloatSpinBox(label="NA", value=1.4, min=0.05, max=1.7, step=0.05)
        self.wavelength_nm = FloatSpinBox(
            label="emission λ (nm)", value=520, min=150, max=2000, step=5
        )
        self.refractive_index = FloatSpinBox(
            label="refractive index", value=1.518, min=1.0, max=2.0, step=0.001
        )
        self.pixel_size_nm = FloatSpinBox(
            label="pixel size (nm)", value=65, min=1, max=100_000, step=1
        )
        self.three_d = CheckBox(text="3-D (deconvolve along Z too)", value=True)
        self.z_step_nm = FloatSpinBox(label="z step (nm)", value=200, min=1, max=100_000, step=10)
        self.iterations = SpinBox(label="iterations", value=30, min=1, max=100_000)
        self.tv_weight = FloatSpinBox(label="TV weight", value=0.0, min=0.0, max=0.05, step=0.001)
        self.regularization = FloatSpinBox(
            label="regularization", value=0.0, min=0.0, max=10.0, step=0.0001
        )
        self.regularization.native.setSpecialValueText("auto")
        self.device = ComboBox(label="device", choices=["auto", *available_devices()])
        self.run_button = PushButton(text="Run")
        self.cancel_button = PushButton(text="Cancel", enabled=False)
        self.progress = ProgressBar(label="progress", value=0, min=0, max=1)
        self.message = Label(value="")
        buttons = Container(widgets=[self.run_button, self.cancel_button], layout="horizontal",
                            labels=False)
        self.extend([
            self.image, self.method, self.na, self.wavelength_nm, self.refractive_index,
            self.pixel_size_nm, self.three_d, self.z_step_nm, self.iterations, self.tv_weight,
            self.regularization, self.device, buttons, self.progress, self.message,
        ])

        self.runner = JobRunner()
        self.runner.progressed.connect(self._on_progress)
        self.runner.succeeded.connect(self._on_result)
        self.runner.finished.connect(self._on_finished)
        self.native.destroyed.connect(self.runner.cancel)
        self._target: tuple[Image, str] | None = None

        self._restore_settings()
        self._prefill()
        self._update_visibility()
        self.image.changed.connect(self._prefill)
        self.method.changed.connect(self._update_visibility)
        self.three_d.changed.connect(self._update_visibility)
        for key in PERSISTED:
            getattr(self, key).changed.connect(self._save_settings)
        self.run_button.changed.connect(self._run)
        self.cancel_button.changed.connect(self.runner.cancel)

    def _image_layers(self, _widget=None) -> list[tuple[str, Image]]:
        return [(layer.name, layer) for layer in self._viewer.layers if isinstance(layer, Image)]

    def _prefill(self) -> None:
        """Copy what the chosen layer knows (pixel size, z step, optics) into the fields."""
        layer = self.image.value
        if layer is None:
            return
        fields = optics_from_layer(layer)
        for key in ("pixel_size_nm", "z_step_nm", "na", "wavelength_nm", "refractive_index"):
            if key in fields:
                _set_if_valid(getattr(self, key), fields[key])
        self._update_visibility()

    def _has_z(self) -> bool:
        layer = self.image.value
        return layer is not None and "Z" in (layer_axes(layer) or "")

    def _update_visibility(self) -> None:
        richardson_lucy = self.method.value == "richardson_lucy"
        self.three_d.visible = self._has_z()
        self.z_step_nm.visible = self._has_z() and self.three_d.value
        self.iterations.visible = self.tv_weight.visible = richardson_lucy
        self.regularization.visible = not richardson_lucy

    def _run(self) -> None:
        layer = self.image.value
        if layer is None:
            show_error("no image layer to deconvolve: open an image or a sample first")
            return
        data = layer.data[0] if layer.multiscale else layer.data
        axes = layer_axes(layer)
        optics = {
            "na": self.na.value,
            "wavelength_nm": self.wavelength_nm.value,
            "pixel_size_nm": self.pixel_size_nm.value,
            "refractive_index": self.refractive_index.value,
            "z_step_nm": self.z_step_nm.value if self._has_z() and self.three_d.value else None,
        }
        options = {
            "method": self.method.value,
            "axes": axes,
            "iterations": self.iterations.value,
            "tv_weight": self.tv_weight.value,
            "regularization": self.regularization.value or None,
            "device": self.device.value,
        }

        def job(progress, cancel):
            return deconvolve(
                data, optics=Optics(**optics), progress=progress, cancel=cancel, **options
            )

        self._target = (layer, f"{layer.name} [{options['method']}]")
        self._set_running(True)
        self.runner.start(job)

    def _set_running(self, running: bool) -> None:
        self.run_button.enabled = not running
        self.cancel_button.enabled = running
        if running:
            self.message.value = "starting…"

    def _on_progress(self, done: int, total: int, message: str) -> None:
        self.progress.max = total
        self.progress.value = done
        self.message.value = message

    def _on_result(self, result) -> None:
        source, name = self._target
        show_result(self._viewer, source, result.image, name, {
            "optics": result.metadata["optics"], "napari_inverse": result.metadata,
        })
        self.message.value = (
            f"done on {result.metadata['device']} in {result.metadata['seconds']:.1f} s"
        )

    def _on_finished(self, status: str) -> None:
        self._target = None
        self._set_running(False)
        if status != "done":
            self.progress.value = 0
            self.message.value = status

    def _restore_settings(self) -> None:
        saved = load_settings(SETTINGS_NAME)
        for key in PERSISTED:
            if key in saved:
                _set_if_valid(getattr(self, key), saved[key])

    def _save_settings(self) -> None:
        save_settings(SETTINGS_NAME, {key: getattr(self, key).value for key in PERSISTED})


def _set_if_valid(widget, value) -> None:
    """Set a field, keeping its value when ``value`` is out of range or not offered.

    Saved settings may name a GPU this machine lacks; a layer may state an NA above the field's
    range: neither may stop the dock from opening.
    """
    try:
        widget.value = value
    except (ValueError, TypeError):
        pass
