"""The Deconvolve dock: gathers parameters for ``napari_inverse.deconvolve`` and shows its result.

A trained network (m-rBCR, the default; s-rBCR; CARE) with its model picker and pixel-size check,
or Richardson–Lucy and Wiener with their own parameters and a PSF computed from the optics or
measured (a bead image open as a layer); optics fields are pre-filled from the chosen layer.
Running, progress, Cancel and the result layer come from :class:`VerbDock`. No science lives here.
"""
from __future__ import annotations

import numpy as np
from magicgui.widgets import CheckBox, ComboBox, FloatSpinBox
from napari.layers import Image

from ..methods import deconvolve
from ..methods.deconvolve import LEARNED_METHODS, check_psf_sampling
from ..zoo import FAMILIES
from .layer_optics import layer_axes, layer_pixel_sizes_nm
from .model_choice import ModelChoice
from .verb_dock import VerbDock, full_resolution

COMPUTED_PSF = "computed from the optics"

METHODS = [*((FAMILIES[method].title, method) for method in LEARNED_METHODS),
           ("Richardson–Lucy", "richardson_lucy"), ("Wiener", "wiener")]


class DeconvolveDock(VerbDock):
    """Dock widget for deconvolution; napari passes the viewer as ``napari_viewer``."""

    settings_name = "deconvolve"
    persisted = ("method", "na", "wavelength_nm", "refractive_index", "iterations", "tv_weight",
                 "regularization", "device", "models.precision")

    def _parameters(self) -> list:
        self.method = ComboBox(label="method", choices=METHODS)
        self.models = ModelChoice("deconvolution", self._optics, self._microscope_fields())
        self.psf = ComboBox(label="PSF", choices=self._psf_choices)
        self.three_d = CheckBox(text="3-D (deconvolve along Z too)", value=True)
        self.z_step_nm = FloatSpinBox(label="z step (nm)", value=200, min=1, max=100_000, step=10)
        # 0 is "auto" (chosen per image); a float field, as the integer one shows no "auto".
        self.iterations = FloatSpinBox(label="iterations", value=0, min=0, max=100_000, step=1)
        self.iterations.native.setDecimals(0)
        self.iterations.native.setSpecialValueText("auto")
        self.tv_weight = FloatSpinBox(label="TV weight", value=0.0, min=0.0, max=0.05, step=0.001)
        self.regularization = FloatSpinBox(
            label="regularization", value=0.0, min=0.0, max=10.0, step=0.0001
        )
        self.regularization.native.setSpecialValueText("auto")
        self.method.changed.connect(self._update_visibility)
        self.three_d.changed.connect(self._update_visibility)
        self.psf.changed.connect(self._update_visibility)
        self.image.changed.connect(self.psf.reset_choices)  # the image is no PSF of itself
        return [self.method, self.models, self.psf, *self._microscope_fields(), self.three_d,
                self.z_step_nm, self.iterations, self.tv_weight, self.regularization]

    def _advanced(self) -> list:
        return [self.models.precision, self.device]

    def _psf_choices(self, _widget=None) -> list[tuple[str, object]]:
        """The computed PSF, or any other image layer as a measured one (a bead's image)."""
        return [(COMPUTED_PSF, None), *((name, layer) for name, layer in self._image_layers()
                                        if layer is not self.image.value)]

    def _measured_psf(self) -> Image | None:
        return None if self._learned() else self.psf.value

    def _learned(self) -> bool:
        return self.method.value in LEARNED_METHODS

    def _has_z(self) -> bool:
        layer = self.image.value
        return layer is not None and "Z" in (layer_axes(layer) or "")

    def _update_visibility(self) -> None:
        learned = self._learned()
        measured = self._measured_psf() is not None
        self.models.show_family(self.method.value if learned else None)
        self.psf.visible = not learned
        for field in self._microscope_fields():
            field.visible = not measured  # a measured PSF holds the optics; the layers the sampling
        self.three_d.visible = self._has_z() and not learned and not measured
        self.z_step_nm.visible = self.three_d.visible and self.three_d.value
        self.iterations.visible = self.tv_weight.visible = self.method.value == "richardson_lucy"
        self.regularization.visible = self.method.value == "wiener"

    def _job(self, data, layer):
        if self._learned():
            return self._verb_job(deconvolve, data, layer, self.method.value,
                                  optics=self._optics(), **self.models.options)
        options = {"iterations": round(self.iterations.value) or None,
                   "tv_weight": self.tv_weight.value,
                   "regularization": self.regularization.value or None}
        measured = self._measured_psf()
        if measured is not None:  # 2-D or 3-D as the bead image is
            check_psf_sampling(layer_pixel_sizes_nm(measured), layer_pixel_sizes_nm(layer),
                               f"the PSF layer '{measured.name}'")
            psf = np.asarray(full_resolution(measured), dtype=np.float32)
            return self._verb_job(deconvolve, data, layer, self.method.value, psf=psf,
                                  **options)
        three_d = self._has_z() and self.three_d.value
        optics = self._optics(z_step_nm=self.z_step_nm.value if three_d else None)
        return self._verb_job(deconvolve, data, layer, self.method.value, optics=optics,
                              **options)
