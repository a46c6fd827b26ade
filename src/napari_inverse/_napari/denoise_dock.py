"""The Denoise dock: a trained CARE or Noise2Void model on the chosen layer, result beside it.

The microscope fields (pre-filled from the layer) serve only the pixel-size check of the chosen
model, so all but the pixel size wait in the collapsed "advanced" section; running, progress,
Cancel and the result layer come from :class:`VerbDock`.
"""
from __future__ import annotations

from magicgui.widgets import ComboBox

from ..methods import denoise
from ..methods.denoise import METHODS as MODELS
from ..zoo import FAMILIES
from .model_choice import ModelChoice
from .verb_dock import VerbDock

METHODS = [(FAMILIES[method].title, method) for method in MODELS]


class DenoiseDock(VerbDock):
    """Dock widget for denoising; napari passes the viewer as ``napari_viewer``."""

    settings_name = "denoise"
    persisted = ("method", "na", "wavelength_nm", "refractive_index", "device",
                 "models.precision")

    def _parameters(self) -> list:
        self.method = ComboBox(label="method", choices=METHODS)
        self.models = ModelChoice("denoising", self._optics, self._microscope_fields())
        self.method.changed.connect(self._update_visibility)
        return [self.method, self.models, self.pixel_size_nm]

    def _advanced(self) -> list:
        """NA, emission and refractive index only turn the pixel size into the model's Nyquist
        terms for the pixel-size check: the layer or the defaults do, so they wait here."""
        return [self.na, self.wavelength_nm, self.refractive_index, self.models.precision,
                self.device]

    def _update_visibility(self) -> None:
        self.models.show_family(self.method.value)

    def _job(self, data, layer):
        return self._verb_job(denoise, data, layer, self.method.value, optics=self._optics(),
                              **self.models.options)
