"""The Super-resolve dock: the mean of diffusion samples as a layer, their calibrated uncertainty
as an overlay on it.

The method is ZMD (a mean network plus CVDM on its residual) or plain CVDM. Samples, steps,
seed, up-sampling and PI-DDPM guidance are the verb's arguments; progress counts samples × steps
(all samples advance together). The uncertainty layer sits on the mean with a
perceptual colormap and additive blending, its contrast from its own percentiles; a check box
shows or hides it. Up-sampled results get half the source's pixel size on the same field. The
pixel-size check's "resample" box has the verb sample at the model's pixel size and bring the
results back to the grid "upsample" gives.
"""
from __future__ import annotations

from dataclasses import replace

from magicgui.widgets import CheckBox, ComboBox, SpinBox

from ..methods import super_resolve
from ..methods.super_resolve import DEFAULT_STEPS, METHODS
from ..optics import Optics
from ..zoo.families import FAMILIES
from .model_choice import ModelChoice
from .result_layers import result_name, show_uncertainty, toggle_uncertainty
from .verb_dock import VerbDock


CHOICES = [(FAMILIES[method].title, method) for method in METHODS]


class SuperResolveDock(VerbDock):
    """Dock widget for super-resolution; napari passes the viewer as ``napari_viewer``."""

    settings_name = "super_resolve"
    persisted = ("method", "samples", "steps", "upsample", "physics", "na", "wavelength_nm",
                 "refractive_index", "device", "models.precision")
    previews = False  # a preview would sample as long as a small image does

    def _parameters(self) -> list:
        self.method = ComboBox(label="method", choices=CHOICES, value=next(iter(METHODS)),
                               tooltip="ZMD: a mean network plus CVDM on its residual; CVDM: "
                                       "diffusion on the residual from the widefield image")
        self.method.changed.connect(self._update_visibility)
        self.upsample = ComboBox(label="upsample", choices=[("1× (same grid)", 1),
                                                            ("2× (half pixel)", 2)], value=1)
        self.models = ModelChoice("super_resolution", self._model_grid_optics,
                                  [*self._microscope_fields(), self.upsample])
        self.samples = SpinBox(label="samples", value=8, min=2, max=64,
                               tooltip="their mean is the result, their spread the uncertainty")
        self.steps = SpinBox(label="steps", value=DEFAULT_STEPS, min=1, max=199,
                             tooltip="network evaluations per sample; 199 is the reference")
        self.show_uncertainty = CheckBox(text="show uncertainty", value=True)
        self.show_uncertainty.changed.connect(
            lambda visible: toggle_uncertainty(self._viewer, visible))
        return [self.method, self.models, self.samples, self.steps, self.upsample,
                self.pixel_size_nm,
                self.show_uncertainty]

    def _advanced(self) -> list:
        self.seed = SpinBox(label="seed", value=0, min=0, max=2**31 - 1,
                            tooltip="the same seed gives the same samples")
        self.physics = CheckBox(text="PI-DDPM physics guidance (widefield PSF)", value=False)
        return [self.seed, self.physics, self.na, self.wavelength_nm, self.refractive_index,
                self.models.precision, self.device]

    def _model_grid_optics(self) -> Optics:
        """The microscope on the grid the model samples: the layer's pixel over ``upsample``
        (what the pixel-size check compares with the model's range)."""
        optics = self._optics()
        return replace(optics, pixel_size_nm=optics.pixel_size_nm / self.upsample.value)

    def _update_visibility(self) -> None:
        self.models.show_family(self.method.value)

    def _job(self, data, layer):
        return self._verb_job(super_resolve, data, layer, self.method.value, optics=self._optics(),
                              model=self.models.model.value,
                              precision=self.models.precision.value, samples=self.samples.value,
                              steps=self.steps.value, seed=self.seed.value,
                              upsample=self.upsample.value, physics=self.physics.value,
                              resample=self.models.pixel_check.resample_wanted)

    def _on_result(self, result) -> None:
        source = self._source
        super()._on_result(result)
        if source is None or self._source_removed:
            return
        mean = self._viewer.layers[result_name(source.name, result.metadata["model"])]
        overlay = show_uncertainty(self._viewer, source, result.extras, mean, result.metadata,
                                   self.show_uncertainty.value)
        for layer in (mean, overlay):
            _onto_finer_grid(layer, source, result.metadata["upsample"],
                             result.metadata["pixel_size_nm"])


def _onto_finer_grid(layer, source, upsample: int, pixel_size_nm) -> None:
    """Place a result ``upsample``× finer in Y and X on the source's field: pixel size divided
    (``pixel_size_nm`` in its metadata, where the source's recorded one), first pixel centre
    moved to where the interpolation put it (half a new pixel inwards)."""
    if upsample == 1:
        return
    scale, translate = list(source.scale), list(source.translate)
    for axis in (-2, -1):
        translate[axis] -= scale[axis] * (1 - 1 / upsample) / 2
        scale[axis] /= upsample
    layer.scale, layer.translate = scale, translate
    recorded = layer.metadata.get("pixel_size_nm")
    if recorded is not None and pixel_size_nm is not None:
        z = {"Z": recorded["Z"]} if isinstance(recorded, dict) and "Z" in recorded else {}
        layer.metadata = {**layer.metadata,
                          "pixel_size_nm": {**z, "X": pixel_size_nm, "Y": pixel_size_nm}}
