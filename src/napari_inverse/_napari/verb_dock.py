"""What every verb's dock shares: image picker, microscope fields, device, Run/Cancel, result.

A dock subclass adds its own parameters (``_parameters``), the fields most runs leave alone
(``_advanced``: shown collapsed, so the dock stays narrow and short) and says how to call its
verb (``_job``); the image picker, the microscope fields a layer pre-fills, the device, Run and
Cancel with progress through the shared :class:`JobRunner`, settings that persist, and the
result layer on the source's grid ("<source> · <model or method>") with a side-by-side view
of the two are the same in all; Preview runs the verb on the region the canvas shows only,
and a lazy layer larger than memory runs chunk by chunk (:mod:`.chunked_job`).
"""
from __future__ import annotations

import functools
from typing import Callable

from magicgui.widgets import ComboBox, Container, FloatSpinBox, Label, ProgressBar, PushButton
from napari.layers import Image
from napari.utils.notifications import show_error

from ..engine.device import available_devices, describe_device
from ..methods.sampling import PixelSizeWarning
from ..optics import Optics
from .chunked_job import chunked_job, runs_in_chunks
from .compact import CollapsedSection, compact, wrap_text
from .job_runner import Job, JobRunner
from .layer_optics import PIXEL_SIZE_LABEL, layer_axes, optics_from_layer, pixel_size_caption
from .preview import SUFFIX, Crop, current_view_crop
from .reader_preference import ReaderOffer
from .result_layers import result_name, show_result
from .settings import load_settings, save_settings
from .side_by_side import SideBySide

# Fields a layer may fill, when the dock has them (see layer_optics.optics_from_layer).
_LAYER_FIELDS = ("pixel_size_nm", "z_step_nm", "na", "wavelength_nm", "refractive_index")


class VerbDock(Container):
    """Base of the docks; napari passes the viewer as ``napari_viewer``.

    Subclasses set ``settings_name`` and ``persisted`` (attribute paths of widgets whose values
    are saved, "models.precision" reaching into a child container) and implement
    ``_parameters`` and ``_job``.
    """

    settings_name = ""
    persisted: tuple[str, ...] = ()
    previews = True  # a Preview button: the verb's result on the visible region first

    def __init__(self, napari_viewer) -> None:
        super().__init__()
        self._viewer = napari_viewer
        self.image = self._layer_picker()
        self.reader_offer = ReaderOffer()
        self.na = FloatSpinBox(label="NA", value=1.4, min=0.05, max=1.7, step=0.05)
        self.wavelength_nm = FloatSpinBox(
            label="emission λ (nm)", value=520, min=150, max=2000, step=5
        )
        self.refractive_index = FloatSpinBox(
            label="refractive index", value=1.518, min=1.0, max=2.0, step=0.001
        )
        self.pixel_size_nm = FloatSpinBox(
            label=PIXEL_SIZE_LABEL, value=65, min=1, max=100_000, step=1
        )
        self.device = ComboBox(label="device", choices=["auto", *available_devices()])
        self._describe_devices()
        self.run_button = PushButton(text="Run")
        self.cancel_button = PushButton(text="Cancel", enabled=False)
        self.progress = ProgressBar(label="progress", value=0, min=0, max=1)
        self.message = wrap_text(Label(value=""))
        self.preview_button = PushButton(
            text="preview", tooltip="run on the region the canvas shows (this plane) first")
        self.side_by_side = SideBySide(napari_viewer)
        previews = [self.preview_button] if self.previews else []
        buttons = Container(widgets=[self.run_button, *previews, self.cancel_button,
                                     self.side_by_side],
                            layout="horizontal", labels=False)
        self.extend([self.image, self.reader_offer, *self._parameters()])
        self.advanced = CollapsedSection("advanced", self._advanced())
        self.extend([self.advanced, buttons, self.progress, self.message])

        # the pixel-size warning is the dock's own line under the model; not a notification too
        self.runner = JobRunner(quiet=(PixelSizeWarning,))
        self.runner.progressed.connect(self._on_progress)
        self.runner.succeeded.connect(self._on_result)
        self.runner.finished.connect(self._on_finished)
        self.native.destroyed.connect(self.runner.cancel)
        self._source: Image | None = None  # the running job's layer, bound when it starts
        self._source_removed = False
        self._crop: Crop | None = None  # the running job's region, when it is a preview

        self._restore_settings()
        self._prefill()
        self.image.changed.connect(self._prefill)
        for key in self.persisted:
            self._persisted_widget(key).changed.connect(self._save_settings)
        self.run_button.changed.connect(self._run)
        self.preview_button.changed.connect(self._preview)
        self.cancel_button.changed.connect(self.runner.cancel)
        compact(self)

    def _layer_picker(self):
        """The widget choosing the layer to work on: one here; the Train dock takes several."""
        return ComboBox(label="image", choices=self._image_layers, nullable=False)

    def _layer(self) -> Image | None:
        """The layer the dock works on and pre-fills its fields from."""
        return self.image.value

    def _parameters(self) -> list:
        """The verb's widgets, in the order shown between the image picker and the advanced
        section."""
        raise NotImplementedError

    def _advanced(self) -> list:
        """The fields most runs leave alone, shown collapsed below the verb's parameters."""
        return [self.device]

    def _job(self, data, layer: Image) -> Job:
        """``job(progress, cancel)`` calling the verb on ``data`` (the layer's full resolution)."""
        raise NotImplementedError

    def _update_visibility(self) -> None:
        """Show the widgets that matter for the current choices (called after pre-filling)."""

    def _microscope_fields(self) -> list:
        return [self.na, self.wavelength_nm, self.refractive_index, self.pixel_size_nm]

    def _optics(self, z_step_nm: float | None = None) -> Optics:
        return Optics(na=self.na.value, wavelength_nm=self.wavelength_nm.value,
                      pixel_size_nm=self.pixel_size_nm.value,
                      refractive_index=self.refractive_index.value, z_step_nm=z_step_nm)

    def _image_layers(self, _widget=None) -> list[tuple[str, Image]]:
        return [(layer.name, layer) for layer in self._viewer.layers if isinstance(layer, Image)]

    def _prefill(self) -> None:
        """Copy what the chosen layer knows (pixel size, z step, optics) into the fields, then
        show the fields that matter (also with no layer: a dock opened on an empty viewer)."""
        layer = self._layer()
        fields = optics_from_layer(layer) if layer is not None else {}
        for key in _LAYER_FIELDS:
            widget = getattr(self, key, None)
            if key in fields and widget is not None:
                set_if_valid(widget, fields[key])
        # where the pixel size came from, or that it is a guess: models and PSFs depend on it
        self.pixel_size_nm.label, self.pixel_size_nm.tooltip = pixel_size_caption(layer)
        self.reader_offer.offer_for(layer)
        self._update_visibility()

    def _describe_devices(self) -> None:
        """The device picker's tooltip: each GPU's model and free memory, read now."""
        self.device.tooltip = "\n".join(
            ["auto: CUDA, then Apple MPS, then the CPU"]
            + [describe_device(name) for name in available_devices()])

    def _run(self) -> None:
        self._start(self._layer(), self._job)

    def _preview(self) -> None:
        """Run the verb on the part of the layer the canvas shows; see :mod:`.preview`."""
        layer = self._layer()
        crop = None
        if layer is not None and not self.runner.running:
            try:
                crop = current_view_crop(self._viewer, layer, full_resolution(layer).shape)
            except ValueError as error:
                show_error(str(error))
                return
        self._start(layer, self._job, crop=crop)

    def _start(self, layer: Image | None, make_job: Callable[[object, Image], Job],
               result_on_layer: bool = True, crop: Crop | None = None) -> None:
        """Run ``make_job(data, layer)``'s job on ``layer``; its result lands beside ``layer``.

        The job is bound to ``layer`` (when ``result_on_layer``): its result is placed by this
        reference whatever is selected later, and removing the layer cancels it. A start while
        a job runs is refused before anything changes. With ``crop`` the job sees only that
        region of the data, and its result is a preview placed over it.
        """
        if self.runner.running:
            show_error("a job is already running: cancel it or wait for it to finish")
            return
        if layer is None:
            show_error("no image layer to work on: open an image or a sample first")
            return
        self._crop = crop
        data = full_resolution(layer)
        try:
            job = make_job(data if crop is None else crop.data(data), layer)
        except ValueError as error:  # fields that make no microscope (NA above the medium's n)
            show_error(str(error))
            return
        self._set_running(True)
        self.runner.start(job)
        if result_on_layer:
            self._source, self._source_removed = layer, False
            self._viewer.layers.events.removed.connect(self._on_layer_removed)

    def _on_layer_removed(self, event) -> None:
        """The running job's source left the viewer: its result has nowhere to go, so stop."""
        if event.value is self._source and not self._source_removed:
            self._source_removed = True
            self.runner.cancel()

    def _set_running(self, running: bool) -> None:
        self.run_button.enabled = self.preview_button.enabled = not running
        self.cancel_button.enabled = running
        if running:
            self.message.value = "starting…"

    def _on_progress(self, done: int, total: int, message: str) -> None:
        self.progress.max = total
        self.progress.value = done
        self.message.value = message

    def _verb_job(self, verb: Callable, data, layer, method: str, **options) -> Callable:
        """A job running ``verb(data, method, …)`` with the layer's axes and the dock's device."""
        axes, device = layer_axes(layer), self.device.value
        if self._crop is not None:
            axes = Crop.axes(axes)
        elif runs_in_chunks(verb, data):  # larger than memory: the dask face's chunked path
            return chunked_job(verb, data, axes, method, device, options)

        def job(progress, cancel):
            return verb(data, method, axes=axes, device=device, progress=progress, cancel=cancel,
                        **options)

        return job

    def _on_result(self, result) -> None:
        source, metadata, crop = self._source, result.metadata, self._crop
        if source is None or self._source_removed:  # removed as the job finished: nothing added
            return
        name = result_name(source.name, metadata.get("model") or metadata["method"])
        layer_metadata = {"napari_inverse": metadata}
        if metadata.get("optics") is not None:
            layer_metadata["optics"] = metadata["optics"]
        if crop is None:
            self.side_by_side.compare(
                source, show_result(self._viewer, source, result.image, name, layer_metadata))
        else:
            shown = show_result(self._viewer, source, crop.expand(result.image), name + SUFFIX,
                                layer_metadata)
            shown.translate = crop.translate(source)
        precision = f" ({metadata['precision']})" if "precision" in metadata else ""
        self.message.value = (f"done on {metadata['device']}{precision} in "
                              f"{metadata['seconds']:.1f} s")

    def _on_finished(self, status: str) -> None:
        source, removed = self._source, self._source_removed
        if source is not None:
            self._viewer.layers.events.removed.disconnect(self._on_layer_removed)
        self._source, self._source_removed = None, False
        self._set_running(False)
        self._describe_devices()  # the job changed what is free
        if removed:
            self.progress.value = 0
            self.message.value = f"cancelled: the layer '{source.name}' was removed"
        elif status != "done":
            self.progress.value = 0
            self.message.value = status

    def _restore_settings(self) -> None:
        saved = load_settings(self.settings_name)
        for key in self.persisted:
            if key in saved:
                set_if_valid(self._persisted_widget(key), saved[key])

    def _save_settings(self) -> None:
        save_settings(self.settings_name,
                      {key: self._persisted_widget(key).value for key in self.persisted})

    def _persisted_widget(self, path: str):
        return functools.reduce(getattr, path.split("."), self)


def full_resolution(layer: Image):
    """The layer's data at full resolution (the first level of a multiscale pyramid)."""
    return layer.data[0] if layer.multiscale else layer.data


def set_if_valid(widget, value) -> None:
    """Set a field, keeping its value when ``value`` is out of range or not offered.

    Saved settings may name a GPU this machine lacks; a layer may state an NA above the field's
    range: neither may stop the dock from opening.
    """
    try:
        widget.value = value
    except (ValueError, TypeError):
        pass
