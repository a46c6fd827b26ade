"""The Focus dock: in-focus pixels of a focal stack, its depth map and all-in-focus image.

It calls ``segment_focus`` in the shared job runner and shows three layers on the stack's grid:
a Labels layer of the in-focus pixels of every slice, the depth map (colormap, z scale in its
metadata) and the all-in-focus image. The weak labels follow the depth-of-field rule (the
threshold is then the fraction of the depth of field, DOF from NA, λ, n and the z step, around
each pixel's depth) or the ratio rule (the fraction of a pixel's best focus) when the optics
are unknown; the network reads the same depth of field as its last input channel. After a
run the threshold slider previews live on the slice the viewer shows, re-thresholding what the
run kept (`focus_preview`). Before a run, a line under the z step says when the network learned
from planes spaced otherwise (the verb's `PlaneSpacingWarning`, in full in its tooltip).
"""
from __future__ import annotations

import numpy as np
from magicgui.widgets import ComboBox, FloatSlider, FloatSpinBox, Label

from ..classical.focus import DEFAULT_DEPTH_FRACTION, focus_peak
from ..classical.focus_measures import MEASURES
from ..methods import segment_focus
from ..methods.plane_spacing import plane_spacing_mismatch, spacing_outside_training
from ..methods.segment_focus import DEFAULT_PROBABILITY, DEFAULT_RATIO
from .compact import wrap_text
from .focus_preview import preview_of_run
from .layer_optics import layer_axes, optics_from_layer
from .model_choice import ModelChoice
from .pixel_size_check import WARNING_STYLE
from .verb_dock import VerbDock

METHODS = [("weak labels (focus measure)", "weak"), ("network (trained on weak labels)", "cnn")]
RULES = [("depth of field (NA, λ, n, z step)", "depth_of_field"),
         ("focus ratio (optics unknown)", "ratio")]
# (method, rule) → the threshold's default, label and meaning
THRESHOLDS = {
    ("weak", "depth_of_field"): (DEFAULT_DEPTH_FRACTION, "× depth of field", "a pixel is in "
                                 "focus in slices within this fraction of the depth of field of "
                                 "its depth (0.5: ±DOF/2)"),
    ("weak", "ratio"): (DEFAULT_RATIO, "× best focus", "a pixel is in focus in slices where its "
                        "focus reaches this fraction of its best"),
    ("cnn", None): (DEFAULT_PROBABILITY, "probability",
                    "the in-focus probability a pixel must reach in some slice; its slices are "
                    "those within half the depth of field of the network's depth"),
}
DEPTH_COLORMAP = "turbo"


class FocusDock(VerbDock):
    """Dock widget for in-focus segmentation; napari passes the viewer as ``napari_viewer``."""

    settings_name = "focus"
    persisted = ("method", "measure", "device")
    previews = False  # the threshold slider previews on the current slice instead

    def _parameters(self) -> list:
        self.method = ComboBox(label="method", choices=METHODS,
                               tooltip="the network reads the depth of field from NA, λ and n "
                               "(advanced) and the z step")
        self.models = ModelChoice("focus", self._optics, self._microscope_fields())
        self.rule = ComboBox(label="in-focus rule", choices=RULES, value="ratio",
                             tooltip="depth of field: uses NA, λ and n (advanced) and the z "
                             "step; focus ratio: no optics needed")
        self.threshold = FloatSlider(label="threshold", value=DEFAULT_RATIO, min=0.05, max=0.95,
                                     step=0.01)
        self.z_step_nm = FloatSpinBox(label="z step (nm)", value=1000, min=1, max=100_000,
                                      step=10)
        self.measure = ComboBox(label="focus measure", choices=list(MEASURES),
                                value="tenengrad")
        self.spacing_warning = wrap_text(Label(value=""))
        self.spacing_warning.native.setStyleSheet(WARNING_STYLE)
        self.spacing_warning.visible = False
        for field in (self.method, self.models.model, self.z_step_nm,
                      *self._microscope_fields()):
            field.changed.connect(self._check_spacing)
        self.method.changed.connect(self._threshold_meaning_changed)
        self.rule.changed.connect(self._threshold_meaning_changed)
        self.threshold.changed.connect(self._preview_threshold)
        self._describe_threshold()
        # after a run: (labels layer, block index, its Z axis, the block's FocusPreview)
        self._shown = None
        return [self.method, self.models, self.rule, self.threshold, self.pixel_size_nm,
                self.z_step_nm, self.spacing_warning]

    def _advanced(self) -> list:
        return [self.measure, self.na, self.wavelength_nm, self.refractive_index, self.device]

    def _prefill(self) -> None:
        """As every dock, and the depth-of-field rule when the layer states its NA (its optics
        are known), the ratio rule otherwise."""
        super()._prefill()
        layer = self._layer()
        known = layer is not None and "na" in optics_from_layer(layer)
        self.rule.value = "depth_of_field" if known else "ratio"

    def _rule(self):
        return self.rule.value if self.method.value == "weak" else None

    def _threshold_meaning_changed(self) -> None:
        self.threshold.value = THRESHOLDS[self.method.value, self._rule()][0]
        self._describe_threshold()
        self._update_visibility()

    def _describe_threshold(self) -> None:
        _, label, meaning = THRESHOLDS[self.method.value, self._rule()]
        self.threshold.label = label
        self.threshold.tooltip = f"{meaning}. Previews on this slice"

    def _update_visibility(self) -> None:
        self.models.show_family("focus" if self.method.value == "cnn" else None)
        self.measure.visible = self.rule.visible = self.method.value == "weak"

    def _check_spacing(self, *_) -> None:
        """Say when the chosen network learned from planes spaced otherwise than these."""
        card = self.models.card if self.method.value == "cnn" else None
        advice = None
        if card is not None:
            try:
                optics = self._optics(z_step_nm=self.z_step_nm.value)
                outside = spacing_outside_training(card, optics)
            except ValueError:  # fields that make no microscope yet
                outside = None
            if outside is not None:
                fraction, (low, high) = outside
                advice = (f"⚠ planes {fraction:.2f} of the depth of field apart; the model "
                          f"learned {low:.2f}–{high:.2f}: compare with the weak labels",
                          plane_spacing_mismatch(card, optics))
        self.spacing_warning.value, self.spacing_warning.tooltip = advice or ("", None)
        self.spacing_warning.visible = advice is not None

    def _job(self, data, layer):
        method, measure, rule = self.method.value, self.measure.value, self._rule()
        model = self.models.model.value if method == "cnn" else None
        optics = self._optics(z_step_nm=self.z_step_nm.value)
        verb = self._verb_job(segment_focus, data, layer, method, measure=measure, model=model,
                              optics=optics, rule=rule, threshold=self.threshold.value)
        axes = layer_axes(layer) or "ZYX"
        block = _current_block(self._viewer, axes)

        def job(progress, cancel):
            result = verb(progress, cancel)
            # the ratio rule's preview needs the shown block's best focus (its pass one)
            peak = focus_peak(data[block], measure) if rule == "ratio" else None
            return result, block, preview_of_run(result, block, data[block], optics, peak)

        return job

    def _on_result(self, outcome) -> None:
        result, block, preview = outcome
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
        self._shown = (labels, block, z_axis, preview)
        self.message.value = (f"done on {result.metadata['device']} in "
                              f"{result.metadata['seconds']:.1f} s; the slider previews this "
                              "slice, Run applies it to all")

    def _preview_threshold(self) -> None:
        """Re-threshold the slice the viewer shows, in the last run's in-focus layer."""
        if self._shown is None or self._shown[0] not in self._viewer.layers:
            return
        labels, block, z_axis, preview = self._shown
        z = int(self._viewer.dims.current_step[z_axis - labels.ndim + self._viewer.dims.ndim])
        labels.data[block + (z,)] = preview.mask(z, self.threshold.value)
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
