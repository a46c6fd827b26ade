"""The Phase dock: quantitative phase of a brightfield defocus stack (a z-stack layer, Δz from its
scale) or of one RGB exposure, with ``napari_inverse.retrieve_phase``.

The result is a phase layer in radians on the source's Y and X grid (a stack's Z is gone), in a
diverging colormap centred on the zero mean; optionally the optical path length in nm beside
it, and for ZMD its calibrated uncertainty as an overlay (the Super-resolve dock's). Preview runs
on the visible region with every plane. No science lives here.
"""
from __future__ import annotations

import numpy as np
from magicgui.widgets import CheckBox, ComboBox, FloatSpinBox, LineEdit, SpinBox
from napari.layers import Image
from napari.utils.notifications import show_error

from ..engine.validation import InvalidInput
from ..methods import retrieve_phase
from ..optics import ChromaticFocus
from .layer_optics import layer_axes
from .preview import SUFFIX, Crop, visible_crop
from .result_layers import result_name, show_result, show_uncertainty, toggle_uncertainty
from .verb_dock import VerbDock, full_resolution, set_if_valid

METHODS = [("TIE", "tie"), ("Teague (absorbing)", "teague"),
           ("WOTF (open condenser)", "wotf"), ("ZMD (learned, with uncertainty)", "zmd")]
PHASE_COLORMAP = "PiYG"  # diverging: the phase has zero mean, its sign matters


class PhaseDock(VerbDock):
    """Dock widget for phase retrieval; napari passes the viewer as ``napari_viewer``."""

    settings_name = "phase"
    persisted = ("method", "na", "wavelength_nm", "refractive_index", "condenser_na",
                 "channel_wavelengths", "focal_shifts", "optical_path", "samples",
                 "show_uncertainty", "device")

    def _parameters(self) -> list:
        self.method = ComboBox(label="method", choices=METHODS)
        self.na.value, self.refractive_index.value = 0.4, 1.0  # a dry brightfield objective
        self.wavelength_nm.label, self.wavelength_nm.value = "illumination λ (nm)", 550
        self.z_step_nm = FloatSpinBox(label="z step (nm)", value=1000, min=1, max=100_000,
                                      step=100)
        self.condenser_na = FloatSpinBox(label="condenser NA", value=0.2, min=0.01, max=1.6,
                                         step=0.05)
        self.channel_wavelengths = LineEdit(label="R,G,B λ (nm)", value="610,540,460")
        self.focal_shifts = LineEdit(label="R,G,B focus (nm)", value="",
                                     tooltip="each colour's defocus in this exposure, measured "
                                     "through focus on a bead, e.g. 1000,0,-1000")
        self.optical_path = CheckBox(text="also optical path (nm)", value=False)
        self.samples = SpinBox(label="samples", value=8, min=2, max=64,
                               tooltip="ZMD: the paper's diffusion samples; 8 is typical")
        self.show_uncertainty = CheckBox(text="show uncertainty", value=True)
        self.show_uncertainty.changed.connect(
            lambda visible: toggle_uncertainty(self._viewer, visible))
        self.method.changed.connect(self._update_visibility)
        return [self.method, *self._microscope_fields(), self.z_step_nm, self.condenser_na,
                self.channel_wavelengths, self.focal_shifts, self.samples,
                self.show_uncertainty, self.optical_path]

    def _advanced(self) -> list:
        self.regularization = LineEdit(label="regularization α", value="auto",
                                       tooltip="Tikhonov α; 'auto' is the method's default")
        return [self.regularization, self.device]

    def _prefill(self) -> None:
        layer = self._layer()
        if layer is not None and layer.metadata.get("wavelength_nm"):
            self.wavelength_nm.value = float(layer.metadata["wavelength_nm"])
        if layer is not None and layer.metadata.get("condenser_na"):
            set_if_valid(self.condenser_na, float(layer.metadata["condenser_na"]))
        super()._prefill()

    def _rgb(self) -> bool:
        layer = self._layer()
        return layer is not None and layer.rgb

    def _update_visibility(self) -> None:
        rgb = self._rgb()
        self.z_step_nm.visible = not rgb
        self.channel_wavelengths.visible = self.focal_shifts.visible = rgb
        self.condenser_na.visible = self.method.value == "wotf"
        self.samples.visible = self.show_uncertainty.visible = self.method.value == "zmd"

    def _job(self, data, layer):
        rgb = layer.rgb
        optics = self._optics(z_step_nm=None if rgb else self.z_step_nm.value)
        chromatic = None
        if rgb:
            if not self.focal_shifts.value.strip():
                raise InvalidInput("enter each colour's focus (R,G,B in nm, e.g. 1000,0,-1000), "
                                   "measured through focus on a bead or an edge")
            chromatic = ChromaticFocus(_numbers(self.channel_wavelengths.value),
                                       _numbers(self.focal_shifts.value))
        method = self.method.value
        options = dict(optics=optics, chromatic=chromatic)
        if method == "zmd":
            options["samples"] = self.samples.value
        else:
            options.update(regularization=_regularization(self.regularization.value),
                           condenser_na=self.condenser_na.value if method == "wotf" else None)
        if not rgb and self._crop is None:  # a stack: the docks' job, chunked when too large
            return self._verb_job(retrieve_phase, data, layer, method, **options)
        axes, device = "YXS" if rgb else "ZYX", self.device.value

        def job(progress, cancel):
            return retrieve_phase(data, method, axes=axes, device=device, progress=progress,
                                  cancel=cancel, **options)

        return job

    def _preview(self) -> None:
        """The visible region of every plane (or colour) at the current time point."""
        layer = self._layer()
        if layer is None or self.runner.running:
            return super()._preview()
        dims = self._viewer.dims
        if dims.ndisplay != 2:
            show_error("preview works on the 2-D view: switch the viewer to 2-D, or press Run")
            return
        data = full_resolution(layer)
        spatial = data.shape[:2] if layer.rgb else data.shape[-2:]
        camera = self._viewer.scene.camera
        center = np.asarray(camera.center[-2:], dtype=float)
        half = np.asarray(self._viewer.canvas.viewbox_size(self._viewer.layers),
                          dtype=float) / (2 * camera.zoom)
        yx = visible_crop(center - half, center + half, layer.scale[-2:], layer.translate[-2:],
                          spatial)
        axes = "YXS" if layer.rgb else layer_axes(layer)
        point = layer.world_to_data(dims.point)
        index = tuple(yx) + (slice(None),) if layer.rgb else tuple(
            slice(None) if axis == "Z" else int(min(max(round(p), 0), n - 1))
            for axis, p, n in zip(axes[:-2], point, data.shape)) + tuple(yx)
        self._start(layer, self._job, crop=Crop(index))

    def _on_result(self, result) -> None:
        source, metadata, crop = self._source, result.metadata, self._crop
        previewing = crop is not None
        if source is None or self._source_removed:
            return
        axes = "YX" if source.rgb else (layer_axes(source) or "")
        kept = [i for i, axis in enumerate(axes) if axis not in "ZS"]
        if previewing:
            kept = kept[-2:]
        layer_metadata = {"napari_inverse": metadata, "optics": metadata["optics"],
                          "axes": metadata["result_axes"] if not previewing else "YX",
                          "units": "rad"}
        name = result_name(source.name, metadata["method"]) + (SUFFIX if previewing else "")
        phase = show_result(self._viewer, source, result.image, name, layer_metadata, kept,
                            PHASE_COLORMAP)
        _centre_contrast(phase)
        if previewing:
            origin = [part.start for part in crop.index if isinstance(part, slice)
                      and part.start is not None]
            phase.translate = phase.translate + np.asarray(origin[-2:]) * phase.scale
        elif self.optical_path.value:
            path = show_result(self._viewer, source, result.extras["optical_path_nm"],
                               result_name(source.name, "optical path (nm)"),
                               {**layer_metadata, "units": "nm"}, kept, PHASE_COLORMAP)
            _centre_contrast(path)
        if not previewing:
            self.side_by_side.compare(source, phase)
        if {"uncertainty", "sample_spread"} & set(result.extras) and not previewing:
            show_uncertainty(self._viewer, source, result.extras, phase, metadata,
                             self.show_uncertainty.value, kept)
        self.message.value = f"done on {metadata['device']} in {metadata['seconds']:.1f} s"


def _centre_contrast(layer: Image) -> None:
    """Symmetric limits about zero, so the colormap's middle is the mean phase."""
    bound = max(abs(limit) for limit in layer.contrast_limits) or 1.0
    layer.contrast_limits = (-bound, bound)


def _numbers(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise InvalidInput(f"expected numbers separated by commas (nm), got {text!r}") from None


def _regularization(text: str):
    text = text.strip().lower()
    if text in ("", "auto"):
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"regularization must be a number such as 1e-6, or 'auto'; got "
                           f"{text!r}") from None
