"""The Focus dock: in-focus pixels of a focal stack, its depth map and all-in-focus image.

It calls ``segment_focus`` in the shared job runner and shows three layers on the stack's grid:
a Labels layer of the in-focus pixels of every slice, the depth map (colormap, z scale in its
metadata) and the all-in-focus image. After a run the threshold slider previews live on the
slice the viewer shows: the network's kept probability, or the weak labels' focus score of that
slice against the stack's best focus (kept from the run), re-thresholded at once.
"""
from __future__ import annotations

import numpy as np
from magicgui.widgets import ComboBox, FloatSlider, FloatSpinBox

from ..classical.focus import focus_peak, focused_pixels, in_focus_slice
from ..classical.focus_measures import MEASURES, focus_map
from ..methods import segment_focus
from ..methods.segment_focus import DEFAULT_PROBABILITY, DEFAULT_RATIO
from .layer_optics import layer_axes
from .model_choice import ModelChoice
from .verb_dock import VerbDock, full_resolution

METHODS = [("weak labels (focus measure)", "weak"), ("network (trained on weak labels)", "cnn")]
DEFAULT_THRESHOLD = {"weak": DEFAULT_RATIO, "cnn": DEFAULT_PROBABILITY}
DEPTH_COLORMAP = "turbo"


class FocusDock(VerbDock):
    """Dock widget for in-focus segmentation; napari passes the viewer as ``napari_viewer``."""

    settings_name = "focus"
    persisted = ("method", "measure", "device")
    previews = False  # the threshold slider previews on the current slice instead

    def _parameters(self) -> list:
        self.method = ComboBox(label="method", choices=METHODS)
        self.models = ModelChoice("focus", self._optics, self._microscope_fields())
        self.threshold = FloatSlider(label="threshold", value=DEFAULT_RATIO, min=0.05, max=0.95,
                                     step=0.01, tooltip="weak labels: fraction of a pixel's best "
                                     "focus; network: probability. Previews on this slice")
        self.z_step_nm = FloatSpinBox(label="z step (nm)", value=1000, min=1, max=100_000,
                                      step=10)
        self.measure = ComboBox(label="focus measure", choices=list(MEASURES),
                                value="tenengrad")
        self.method.changed.connect(self._method_changed)
        self.threshold.changed.connect(self._preview_threshold)
        # after a run: (labels layer, block index, its Z axis, the block's data, and the kept
        # probability (network) or FocusPeak (weak labels))
        self._shown = None
        return [self.method, self.models, self.threshold, self.pixel_size_nm, self.z_step_nm]

    def _advanced(self) -> list:
        return [self.measure, self.na, self.wavelength_nm, self.refractive_index, self.device]

    def _method_changed(self) -> None:
        self.threshold.value = DEFAULT_THRESHOLD[self.method.value]
        self._update_visibility()

    def _update_visibility(self) -> None:
        self.models.show_family("focus" if self.method.value == "cnn" else None)
        self.measure.visible = self.method.value == "weak"

    def _job(self, data, layer):
        method, measure = self.method.value, self.measure.value
        model = self.models.model.value if method == "cnn" else None
        verb = self._verb_job(segment_focus, data, layer, method, measure=measure, model=model,
                              optics=self._optics(z_step_nm=self.z_step_nm.value),
                              threshold=self.threshold.value)
        axes = layer_axes(layer) or "ZYX"
        block = _current_block(self._viewer, axes)

        def job(progress, cancel):
            result = verb(progress, cancel)
            # for the slider's preview: the shown block's best focus (weak labels' pass one)
            kept = (np.asarray(result.extras["probability"][block]) if method == "cnn"
                    else focus_peak(data[block], measure))
            return result, block, kept

        return job

    def _on_result(self, outcome) -> None:
        result, block, kept = outcome
        source = self._source
        if source is None or self._source_removed:
            return
        metadata = {**source.metadata, "napari_inverse": result.metadata}
        grid = {a: getattr(source, a) for a in ("scale", "translate", "units", "axis_labels")}
        labels = _replace_layer(self._viewer, f"{source.name} · in focus", "labels",
                                result.image.astype(np.uint8), metadata=metadata, **grid)
        z_axis = result.metadata["axes"].index("Z")
        flat = {a: tuple(v for i, v in enumerate(values) if i != z_axis)
                for a, values in grid.items()}
        depth_nm = result.extras.get("depth_nm")
        depth = depth_nm if depth_nm is not None else result.extras["depth_planes"]
        finite = depth[np.isfinite(depth)]
        limits = (float(finite.min()), float(finite.max()) + 1e-6) if finite.size else (0, 1)
        _replace_layer(self._viewer, f"{source.name} · depth", "image", depth,
                       colormap=DEPTH_COLORMAP, contrast_limits=limits, metadata={
                           "units": "nm" if depth_nm is not None else "planes",
                           "z_step_nm": result.metadata["z_step_nm"],
                           "napari_inverse": result.metadata}, **flat)
        _replace_layer(self._viewer, f"{source.name} · all in focus", "image",
                       result.extras["all_in_focus"], metadata=metadata, **flat)
        self._shown = (labels, block, z_axis, full_resolution(source)[block], kept)
        self.message.value = (f"done on {result.metadata['device']} in "
                              f"{result.metadata['seconds']:.1f} s; the slider previews this "
                              "slice, Run applies it to all")

    def _preview_threshold(self) -> None:
        """Re-threshold the slice the viewer shows, in the last run's in-focus layer."""
        if self._shown is None or self._shown[0] not in self._viewer.layers:
            return
        labels, block, z_axis, data, kept = self._shown
        z = int(self._viewer.dims.current_step[z_axis - labels.ndim + self._viewer.dims.ndim])
        if isinstance(kept, np.ndarray):
            mask = kept[z] > self.threshold.value
        else:
            score = focus_map(np.asarray(data[z], dtype=np.float32), self.measure.value)
            mask = in_focus_slice(score, kept, focused_pixels(kept), self.threshold.value)
        labels.data[block + (z,)] = mask
        labels.refresh()


def _current_block(viewer, axes: str) -> tuple:
    """The index of the (Z, Y, X) block the viewer shows: its current T and C."""
    leading = axes[: axes.index("Z")]
    offset = viewer.dims.ndim - len(axes)
    return tuple(int(viewer.dims.current_step[offset + i]) for i, _ in enumerate(leading))


def _replace_layer(viewer, name: str, kind: str, data, **properties):
    """Layer ``name`` showing ``data`` (an earlier one of that name is replaced)."""
    if name in viewer.layers:
        viewer.layers.remove(viewer.layers[name])
    return getattr(viewer, f"add_{kind}")(data, name=name, **properties)
