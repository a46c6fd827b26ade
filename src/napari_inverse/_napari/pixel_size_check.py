"""The pixel-size warning and the resample box, shown before a trained model runs on a layer.

A network restores confidently wrong detail on pixels of another size, with no error anywhere,
so every dock that runs a trained model — the Deconvolve and Denoise model pickers, the Train
dock's Predict — says so before the run and offers the verb's ``resample``: one short line
(the layer's pixel size against the model's), and behind "details" (and in its tooltip) the
text the verb warns with, which says what to do.
"""
from __future__ import annotations

from typing import Callable, Optional

from magicgui.widgets import CheckBox, Container, Label, PushButton

from ..methods.sampling import TOLERANCE, pixel_size_mismatch
from ..optics import Optics
from ..zoo import ModelCard
from .compact import wrap_text

WARNING_STYLE = "color: #e8a33d"


class PixelSizeCheck(Container):
    """``warning`` (one line, the detail in its tooltip), ``details`` (the verb's whole text,
    shown by ``details_button``) and ``resample``; all hidden while the image fits the model."""

    def __init__(self) -> None:
        super().__init__(labels=False)
        self.margins = (0, 0, 0, 0)  # aligned with the dock's own fields
        self.warning = wrap_text(Label(value=""))
        self.warning.native.setStyleSheet(WARNING_STYLE)
        self.details_button = PushButton(text="details")
        self.details_button.native.setCheckable(True)
        self.details_button.native.setMaximumWidth(
            self.details_button.native.fontMetrics().horizontalAdvance("details") + 24)
        self.details = wrap_text(Label(value=""))
        self.resample = CheckBox(text="resample to the model's pixel size", value=False)
        headline = Container(widgets=[self.warning, self.details_button], layout="horizontal",
                             labels=False)
        headline.margins = (0, 0, 0, 0)
        self.extend([headline, self.details, self.resample])
        self.details_button.native.toggled.connect(self._show_details)
        self._mismatch = False
        self.visible = self.warning.visible = self.resample.visible = False
        self.details.visible = False

    def check(self, card: Optional[ModelCard], optics: Callable[[], Optional[Optics]]) -> None:
        """Warn when ``optics()`` does not fit ``card`` (None: no model), or is None (the layer
        does not record its pixel size) while the card names one; only a mismatch offers
        resampling. ``optics`` may raise ValueError while the fields make no microscope:
        nothing to say yet.
        """
        advice = None
        self._mismatch = False
        if card is not None:
            try:
                image = optics()
                advice = (_mismatch(card, image) if image is not None
                          else _unknown_pixel_size(card))
                self._mismatch = image is not None and advice is not None
            except ValueError:
                pass
        headline, detail = advice or ("", "")
        self.warning.value = f"⚠ {headline}" if headline else ""
        self.warning.tooltip = self.details.value = detail
        self.visible = self.warning.visible = bool(advice)
        self.details.visible = bool(advice) and self.details_button.native.isChecked()
        self.resample.visible = self._mismatch

    def _show_details(self, shown: bool) -> None:
        self.details.visible = shown and bool(self.details.value)

    @property
    def resample_wanted(self) -> bool:
        """The verb's ``resample``: ticked while the warning stands (a hidden tick is void)."""
        return self._mismatch and self.resample.value


def _mismatch(card: ModelCard, optics: Optics) -> Optional[tuple[str, str]]:
    """(one line, the verb's whole warning) when ``optics`` does not fit ``card``, else None."""
    detail = pixel_size_mismatch(card, optics)
    if detail is None:
        return None
    low, high = card.accepted_pixel_size_nm(optics.na, optics.wavelength_nm, TOLERANCE)
    return (f"{optics.pixel_size_nm:.0f} nm pixels; the model takes {low:.0f}–{high:.0f} nm",
            detail)


def _unknown_pixel_size(card: ModelCard) -> Optional[tuple[str, str]]:
    """What to say when the layer does not record its pixel size (the Train dock's Predict on an
    uncalibrated layer): nothing can be checked or resampled, but the user can compare."""
    if not card.pixel_size_nm:
        return None
    return (f"the layer does not record its pixel size (model: {card.pixel_size_nm:g} nm)",
            f"this layer does not record its pixel size; {card.name} learned from "
            f"{card.pixel_size_nm:g} nm pixels: predict only on images sampled alike")
