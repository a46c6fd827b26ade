"""A list of the viewer's image layers to choose several from, for a dock that learns from layers.

Its choices are re-read on napari's choice resets (a layer added or removed), like the one-layer
pickers. The chosen layers come back in the order the list shows them, not the order they were
clicked, so inputs chosen in one list and targets in another pair up by position.
"""
from __future__ import annotations

from typing import Callable, Optional

from magicgui.widgets import Select
from napari.layers import Image

VISIBLE_ROWS = 4  # four layer names fit; more scroll, so a dock with several lists stays short


class LayerSelect(Select):
    """Several image layers; ``current`` (optional) names the layer chosen while none is.

    With ``current`` the list is never left empty while it has layers, so training on one layer
    needs no click: the viewer's current layer (else the first) is chosen.
    """

    def __init__(self, layers: Callable, label: str,
                 current: Optional[Callable[[], Optional[Image]]] = None) -> None:
        self._current = current
        super().__init__(label=label, choices=layers)
        row = self.native.fontMetrics().lineSpacing() + 4
        self.native.setMaximumHeight(row * VISIBLE_ROWS + 2 * self.native.frameWidth())

    @property
    def value(self) -> list:
        """The chosen layers, in the list's order."""
        chosen = Select.value.fget(self)
        return [layer for layer in self.choices if layer in chosen]

    @value.setter
    def value(self, value) -> None:
        Select.value.fset(self, value)

    def reset_choices(self, *_) -> None:
        super().reset_choices()
        if self._current is None or Select.value.fget(self) or not self.choices:
            return
        current = self._current()
        self.value = [current if current in self.choices else self.choices[0]]
