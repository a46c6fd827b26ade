"""The model picker of the learned methods, with the pixel-size check beside it.

Both the Deconvolve and the Denoise dock offer the zoo's models of their task and the chosen
method's family (shipped, remote and the user's own), and say before a run when the layer's
pixel size is outside what the chosen model was trained for (:class:`PixelSizeCheck`); the
picker's tooltip shows the chosen model's card (what it was trained for, its figures). A model
saved in this session (the Train dock announces it through :func:`announce_saved_model`) is
listed at once by every open picker; one saved by another program appears when the dock is shown
again or on "refresh". The last entry, "Import…", adds a BioImage Model Zoo package.
"""
from __future__ import annotations

import functools
from typing import Callable, Optional, Sequence

from magicgui.widgets import ComboBox, Container, PushButton, Widget
from napari.utils.notifications import show_info
from qtpy.QtCore import QEvent, QObject, Signal, Slot

from ..engine.precision import PRECISIONS
from ..optics import Optics
from ..zoo import ModelCard, list_models
from ..zoo.card_summary import card_summary
from .model_packages import import_chosen_package
from .pixel_size_check import PixelSizeCheck

IMPORT, IMPORT_LABEL = "import…", "Import…"
"""The picker's value and text for its last entry (the value is never a model's name or path)."""


class ModelChoice(Container):
    """``model`` (a zoo name, or the weights path of a user's model) and its ``pixel_check``.

    ``precision`` is not shown here: the dock places it among its advanced fields (it is shown
    and hidden with the picker). ``optics`` returns the microscope the dock describes (it may
    raise ValueError while the fields make no microscope); the check runs again whenever a
    widget in ``fields`` changes.
    """

    def __init__(self, task: str, optics: Callable[[], Optics], fields: Sequence) -> None:
        super().__init__(labels=True)
        self.margins = (0, 0, 0, 0)  # aligned with the dock's own fields
        self._task, self._optics = task, optics
        self._family: Optional[str] = None
        self._cards: dict[str, ModelCard] = {}
        self.model = ComboBox(label="model", choices=self._entries)
        self._chosen: Optional[str] = self.model.value  # the last model, to return to
        self.refresh_button = PushButton(text="refresh models")
        self.pixel_check = PixelSizeCheck()
        self.precision = ComboBox(
            label="precision", choices=PRECISIONS, value="auto",
            tooltip="auto: bfloat16 on CPUs that compute it natively (faster, within 0.03 dB), "
                    "float32 elsewhere; float32: the same numbers on every CPU")
        self.extend([self.model, self.refresh_button, self.pixel_check])
        self.refresh_button.changed.connect(self.refresh)
        self.model.changed.connect(self.check)
        self.model.native.activated.connect(self._on_activated)  # the user's choices only
        for field in fields:
            field.changed.connect(self.check)
        follow_saved_models(self, self.refresh)

    def show_family(self, family: Optional[str]) -> None:
        """Offer the models of ``family`` (a learned method's name), or hide for None.

        Called on every change of the dock's method, layer or 3-D box: the zoo is re-read only
        when the family changes (saved models arrive by announcement, Show or "refresh").
        """
        if family == self._family:
            return
        self._family = family
        self.visible = self.precision.visible = family is not None
        self.refresh()

    def refresh(self) -> None:
        """Re-read the zoo (a model saved since appears), keeping the choice if still there."""
        if IMPORT in self.model.choices:  # a reset keeps old entries in place: "Import…" last
            self.model.del_choice(IMPORT_LABEL)
        self.model.reset_choices()
        self.check()

    def _entries(self, _widget=None) -> list[tuple[str, str]]:
        """The picker's choices; a callable, so napari's own resets re-read the zoo too."""
        if self._family is None:
            return []
        entries = list_models(task=self._task, family_name=self._family)
        self._cards = {model_reference(e): e.card for e in entries}
        return [(f"{e.name} ({e.source})", model_reference(e)) for e in entries] + [
            (IMPORT_LABEL, IMPORT)]

    def _on_activated(self, _index: int) -> None:
        """"Import…" picked: import a package and choose it when it fits this picker, else
        return to the model chosen before."""
        if self.model.value != IMPORT:
            return
        chosen = self._chosen
        entry = import_chosen_package(self.native)
        if entry is not None:
            announce_saved_model()  # every picker re-reads the zoo, this one included
            if model_reference(entry) in self._cards:
                chosen = model_reference(entry)
            else:
                show_info(f"{entry.name} is a {entry.card.family} {entry.card.task} model: "
                          "it is listed where that method is chosen")
        choices = self.model.choices
        self.model.value = chosen if chosen in choices else choices[0]

    def check(self, *_) -> None:
        """Show the pixel-size warning and the resample box when the chosen model does not fit,
        and the chosen model's card as the picker's tooltip."""
        if self.model.value != IMPORT:
            self._chosen = self.model.value
        card = self.card
        self.pixel_check.check(card, self._optics)
        self.model.tooltip = self._summary(card) if card is not None else None

    @property
    def card(self) -> Optional[ModelCard]:
        """The chosen model's card (None while "Import…" is chosen or nothing is listed)."""
        return self._cards.get(self.model.value)

    def _summary(self, card: ModelCard) -> str:
        """The card's text, with its pixel range in nm for the microscope the fields describe."""
        try:
            optics = self._optics()
        except ValueError:  # fields that make no microscope yet: the range stays relative
            optics = None
        if optics is None:
            return card_summary(card)
        return card_summary(card, na=optics.na, wavelength_nm=optics.wavelength_nm)

    @property
    def options(self) -> dict:
        """The verb's ``model``, ``resample`` and ``precision`` arguments (``ValueError`` while
        "Import…" is chosen: no model to run)."""
        if self.model.value == IMPORT:
            raise ValueError("no model is chosen: pick one, or import a package with Import…")
        return {"model": self.model.value, "resample": self.pixel_check.resample_wanted,
                "precision": self.precision.value}


def model_reference(entry) -> str:
    """What the verb is given: a user's model by its file (names may repeat), others by name."""
    return str(entry.weights) if entry.source == "user" else entry.name


class _SavedModels(QObject):
    saved = Signal()


@functools.cache
def _saved_models() -> _SavedModels:
    """The session's one announcer, made at first use: on the GUI thread, where it is used."""
    return _SavedModels()


def announce_saved_model() -> None:
    """Tell every open model picker that the zoo gained a model (call on the GUI thread)."""
    _saved_models().saved.emit()


def follow_saved_models(widget: Widget, refresh: Callable[[], None]) -> None:
    """Call ``refresh`` when a model is saved in this session or ``widget`` is shown again.

    The listener is a Qt child of ``widget``, so it stops listening when the widget is closed.
    """
    listener = _Refresher(refresh, widget.native)
    widget.native.installEventFilter(listener)
    _saved_models().saved.connect(listener.refresh)


class _Refresher(QObject):
    def __init__(self, refresh: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._refresh = refresh

    @Slot()
    def refresh(self) -> None:
        self._refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Show:
            self._refresh()
        return False
