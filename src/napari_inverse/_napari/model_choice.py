"""The model picker of the learned methods, with the pixel-size check beside it.

Both the Deconvolve and the Denoise dock offer the zoo's models of their task and the chosen
method's family (shipped, remote and the user's own, re-read when the dock is shown or on
"refresh"), and say before a run when the layer's pixel size is outside what the chosen model was
trained for — with the same text the verb warns with — offering to resample to the model's grid.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

from magicgui.widgets import CheckBox, ComboBox, Container, Label, PushButton
from qtpy.QtCore import QEvent, QObject

from ..methods.sampling import pixel_size_mismatch
from ..optics import Optics
from ..zoo import ModelCard, list_models


class ModelChoice(Container):
    """``model`` (a zoo name, or the weights path of a user's model), ``resample``, the warning.

    ``optics`` returns the microscope the dock describes (it may raise ValueError while the
    fields make no microscope); the check runs again whenever a widget in ``fields`` changes.
    """

    def __init__(self, task: str, optics: Callable[[], Optics], fields: Sequence) -> None:
        super().__init__(labels=True)
        self.margins = (0, 0, 0, 0)  # aligned with the dock's own fields
        self._task, self._optics = task, optics
        self._family: Optional[str] = None
        self._cards: dict[str, ModelCard] = {}
        self.model = ComboBox(label="model", choices=self._entries)
        self.refresh_button = PushButton(text="refresh models")
        self.warning = Label(value="")
        self.warning.native.setWordWrap(True)
        self.warning.native.setStyleSheet("color: #e8a33d")
        self.resample = CheckBox(text="resample to the model's pixel size", value=False)
        self.extend([self.model, self.refresh_button, self.warning, self.resample])
        self.refresh_button.changed.connect(self.refresh)
        self.model.changed.connect(self.check)
        for field in fields:
            field.changed.connect(self.check)
        # Shown again (the dock reopened, its tab chosen): a model saved meanwhile appears.
        self._show_filter = _OnShow(self.refresh, self.native)
        self.native.installEventFilter(self._show_filter)

    def show_family(self, family: Optional[str]) -> None:
        """Offer the models of ``family`` (a learned method's name), or hide for None."""
        self._family = family
        self.visible = family is not None
        self.refresh()

    def refresh(self) -> None:
        """Re-read the zoo (a model saved since appears), keeping the choice if still there."""
        self.model.reset_choices()
        self.check()

    def _entries(self, _widget=None) -> list[tuple[str, str]]:
        """The picker's choices; a callable, so napari's own resets re-read the zoo too."""
        entries = list_models(task=self._task, family_name=self._family) if self._family else []
        self._cards = {model_reference(e): e.card for e in entries}
        return [(f"{e.name} ({e.source})", model_reference(e)) for e in entries]

    def check(self, *_) -> None:
        """Show the pixel-size warning and the resample box when the chosen model does not fit."""
        card = self._cards.get(self.model.value)
        try:
            mismatch = pixel_size_mismatch(card, self._optics()) if card is not None else None
        except ValueError:
            mismatch = None
        self.warning.value = f"⚠ {mismatch}" if mismatch else ""
        self.warning.visible = self.resample.visible = bool(mismatch)

    @property
    def options(self) -> dict:
        """The verb's ``model`` and ``resample`` arguments."""
        return {"model": self.model.value, "resample": self.resample.value}


def model_reference(entry) -> str:
    """What the verb is given: a user's model by its file (names may repeat), others by name."""
    return str(entry.weights) if entry.source == "user" else entry.name


class _OnShow(QObject):
    def __init__(self, callback: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._callback = callback

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Show:
            self._callback()
        return False
