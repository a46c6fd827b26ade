"""The pixel-size warning and the resample box, shown before a trained model runs on a layer.

A network restores confidently wrong detail on pixels of another size, with no error anywhere,
so every dock that runs a trained model — the Deconvolve and Denoise model pickers, the Train
dock's Predict — says so before the run, with the text the verb warns with, and offers the
verb's ``resample``.
"""
from __future__ import annotations

from typing import Callable, Optional

from magicgui.widgets import CheckBox, Container, Label

from ..methods.sampling import pixel_size_mismatch
from ..optics import Optics
from ..zoo import ModelCard


class PixelSizeCheck(Container):
    """``warning`` and ``resample``, both hidden while the image fits the model."""

    def __init__(self) -> None:
        super().__init__(labels=False)
        self.margins = (0, 0, 0, 0)  # aligned with the dock's own fields
        self.warning = Label(value="")
        self.warning.native.setWordWrap(True)
        self.warning.native.setStyleSheet("color: #e8a33d")
        self.resample = CheckBox(text="resample to the model's pixel size", value=False)
        self.extend([self.warning, self.resample])
        self._mismatch = False
        self.warning.visible = self.resample.visible = False

    def check(self, card: Optional[ModelCard], optics: Callable[[], Optional[Optics]]) -> None:
        """Warn when ``optics()`` does not fit ``card`` (None: no model), or is None (the layer
        does not record its pixel size) while the card names one; only a mismatch offers
        resampling. ``optics`` may raise ValueError while the fields make no microscope:
        nothing to say yet.
        """
        mismatch, unknown = None, False
        if card is not None:
            try:
                image = optics()
                unknown = image is None
                mismatch = pixel_size_mismatch(card, image) if image is not None else None
            except ValueError:
                pass
        self._mismatch = bool(mismatch)
        advice = mismatch or (_unknown_pixel_size(card) if unknown else None)
        self.warning.value = f"⚠ {advice}" if advice else ""
        self.warning.visible = bool(advice)
        self.resample.visible = self._mismatch

    @property
    def resample_wanted(self) -> bool:
        """The verb's ``resample``: ticked while the warning stands (a hidden tick is void)."""
        return self._mismatch and self.resample.value


def _unknown_pixel_size(card: ModelCard) -> Optional[str]:
    """What to say when the layer does not record its pixel size (the Train dock's Predict on an
    uncalibrated layer): nothing can be checked or resampled, but the user can compare."""
    if not card.pixel_size_nm:
        return None
    return (f"this layer does not record its pixel size; {card.name} learned from "
            f"{card.pixel_size_nm:g} nm pixels: predict only on images sampled alike")
