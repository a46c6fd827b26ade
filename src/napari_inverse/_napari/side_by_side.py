"""One click from a result on its source to the two next to each other, and back.

A result lands on its source's grid, so comparing them means toggling visibility. This button
turns napari's grid mode on with one row of two: the dock's last source and its result, every
other layer hidden for the while; the second click (or napari's own grid button) turns the grid
off and shows those layers again.
"""
from __future__ import annotations

from magicgui.widgets import PushButton
from napari.layers import Layer

SHOW = "side by side"
BACK = "overlay"


class SideBySide(PushButton):
    """The toggle; enabled once :meth:`compare` has a source and its result."""

    def __init__(self, viewer) -> None:
        super().__init__(text=SHOW, enabled=False,
                         tooltip="show the image and its result next to each other, and back")
        self._viewer = viewer
        self._pair: tuple[Layer, Layer] | None = None
        self._hidden: list[Layer] = []  # the layers this view hid, shown again when it ends
        grid = viewer.canvas.grid
        grid.events.enabled.connect(self._follow_grid)
        self.native.destroyed.connect(lambda: grid.events.enabled.disconnect(self._follow_grid))
        self.changed.connect(self._toggle)

    def compare(self, source: Layer, result: Layer) -> None:
        """Make ``source`` and ``result`` the pair the next click shows."""
        self._pair = (source, result)
        self.enabled = True

    def _toggle(self) -> None:
        grid = self._viewer.canvas.grid
        if grid.enabled:
            grid.enabled = False
            return
        layers = self._viewer.layers
        if self._pair is None or any(layer not in layers for layer in self._pair):
            self.enabled = False  # the source or the result was removed: nothing to compare
            return
        self._hidden = [layer for layer in layers if layer.visible and layer not in self._pair]
        for layer in layers:
            layer.visible = layer in self._pair
        grid.stride, grid.shape = 1, (1, 2)
        grid.enabled = True

    def _follow_grid(self, event) -> None:
        if event.value:
            self.text = BACK
            return
        self.text = SHOW
        for layer in self._hidden:
            if layer in self._viewer.layers:
                layer.visible = True
        self._hidden = []
