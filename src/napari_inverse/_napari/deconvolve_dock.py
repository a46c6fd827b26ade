"""The Deconvolve dock: gathers parameters for ``napari_inverse.deconvolve`` and shows its result.

A trained network (m-rBCR, the default; s-rBCR; CARE) with its model picker and pixel-size check,
or Richardson–Lucy and Wiener with their own parameters; optics fields are pre-filled from the
chosen layer. Running, progress, Cancel and the result layer come from :class:`VerbDock`.
No science lives here.
"""
from __future__ import annotations

from magicgui.widgets import CheckBox, ComboBox, FloatSpinBox, SpinBox

from ..methods import deconvolve
from ..methods.deconvolve import LEARNED_METHODS
from ..zoo import FAMILIES
from .layer_optics import layer_axes
from .model_choice import ModelChoice
from .verb_dock import VerbDock

METHODS = [*((FAMILIES[method].title, method) for method in LEARNED_METHODS),
           ("Richardson–Lucy", "richardson_lucy"), ("Wiener", "wiener")]


class DeconvolveDock(VerbDock):
    """Dock widget for deconvolution; napari passes the viewer as ``napari_viewer``."""

    settings_name = "deconvolve"
    persisted = ("method", "na", "wavelength_nm", "refractive_index", "iterations", "tv_weight",
                 "regularization", "device")

    def _parameters(self) -> list:
        self.method = ComboBox(label="method", choices=METHODS)
        self.models = ModelChoice("deconvolution", self._optics, self._microscope_fields())
        self.three_d = CheckBox(text="3-D (deconvolve along Z too)", value=True)
        self.z_step_nm = FloatSpinBox(label="z step (nm)", value=200, min=1, max=100_000, step=10)
        self.iterations = SpinBox(label="iterations", value=30, min=1, max=100_000)
        self.tv_weight = FloatSpinBox(label="TV weight", value=0.0, min=0.0, max=0.05, step=0.001)
        self.regularization = FloatSpinBox(
            label="regularization", value=0.0, min=0.0, max=10.0, step=0.0001
        )
        self.regularization.native.setSpecialValueText("auto")
        self.method.changed.connect(self._update_visibility)
        self.three_d.changed.connect(self._update_visibility)
        return [self.method, self.models, *self._microscope_fields(), self.three_d,
                self.z_step_nm, self.iterations, self.tv_weight, self.regularization]

    def _learned(self) -> bool:
        return self.method.value in LEARNED_METHODS

    def _has_z(self) -> bool:
        layer = self.image.value
        return layer is not None and "Z" in (layer_axes(layer) or "")

    def _update_visibility(self) -> None:
        learned = self._learned()
        self.models.show_family(self.method.value if learned else None)
        self.three_d.visible = self._has_z() and not learned
        self.z_step_nm.visible = self.three_d.visible and self.three_d.value
        self.iterations.visible = self.tv_weight.visible = self.method.value == "richardson_lucy"
        self.regularization.visible = self.method.value == "wiener"

    def _job(self, data, layer):
        three_d = self._has_z() and self.three_d.value and not self._learned()
        optics = self._optics(z_step_nm=self.z_step_nm.value if three_d else None)
        if self._learned():
            options = self.models.options
        else:
            options = {"iterations": self.iterations.value, "tv_weight": self.tv_weight.value,
                       "regularization": self.regularization.value or None}
        return self._verb_job(deconvolve, data, layer, self.method.value, optics=optics,
                              **options)
