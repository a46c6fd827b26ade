"""Offer, once, to make napari open TIFFs with this plugin's reader, which keeps pixel sizes.

napari picks a reader per file pattern from its own preference (Preferences → Plugins, kept in
``settings.plugins.extension2reader``); without one, File → Open asks and ``viewer.open`` takes
napari's own reader, which drops the calibration. When a dock meets such a layer from a file
that states a pixel size, it asks whether to set that preference: never silently, and the
answer, yes or no, is remembered with the docks' settings so the question is not repeated.
"""
from __future__ import annotations

from typing import Optional

from magicgui.widgets import Container, Label, PushButton
from napari.plugins.utils import get_preferred_reader
from napari.settings import get_settings
from napari.utils.notifications import show_info

from .compact import wrap_text
from .layer_file import file_calibration, layer_source_tiff
from .settings import load_settings, save_settings

PLUGIN_NAME = "napari-inverse"
TIFF_PATTERNS = ("*.tif", "*.tiff")
SETTINGS_NAME = "tiff_reader"


def should_offer(layer) -> bool:
    """True when ``layer`` came through another reader from a TIFF that states its pixel size,
    no reader is preferred for that file yet and the question was never answered."""
    reader = getattr(getattr(layer, "source", None), "reader_plugin", None)
    path = layer_source_tiff(layer)
    if reader in (None, PLUGIN_NAME) or path is None or get_preferred_reader(path) is not None:
        return False
    if "answer" in load_settings(SETTINGS_NAME):
        return False
    header = file_calibration(layer)
    return header is not None and "X" in header.pixel_size_nm


def prefer_plugin_reader() -> None:
    """Make napari-inverse napari's reader for .tif and .tiff, and remember the answer."""
    plugins = get_settings().plugins
    plugins.extension2reader = {**plugins.extension2reader,
                                **{pattern: PLUGIN_NAME for pattern in TIFF_PATTERNS}}
    save_settings(SETTINGS_NAME, {"answer": "accepted"})


def decline_plugin_reader() -> None:
    """Leave napari's reader preference alone, and remember not to ask again."""
    save_settings(SETTINGS_NAME, {"answer": "declined"})


class ReaderOffer(Container):
    """The question with Yes / No, shown by :meth:`offer_for` only when :func:`should_offer`."""

    def __init__(self) -> None:
        super().__init__(labels=False)
        self.margins = (0, 0, 0, 0)  # aligned with the dock's own fields
        self.question = wrap_text(Label(value=""))
        self.accept_button = PushButton(text="Yes, open TIFFs with napari-inverse")
        self.decline_button = PushButton(text="No")
        buttons = Container(widgets=[self.accept_button, self.decline_button],
                            layout="horizontal", labels=False)
        buttons.margins = (0, 0, 0, 0)
        self.extend([self.question, buttons])
        self.accept_button.changed.connect(self._accept)
        self.decline_button.changed.connect(self._decline)
        self.visible = False

    def offer_for(self, layer: Optional[object]) -> None:
        """Ask about ``layer``'s reader if it lost a pixel size its file states, else hide."""
        offer = layer is not None and should_offer(layer)
        if offer:
            self.question.value = (f"'{layer.name}' was opened by a reader that ignores the "
                                   "file's pixel size (read here from the file). Open TIFFs "
                                   "with napari-inverse from now on?")
        self.visible = offer

    def _accept(self) -> None:
        prefer_plugin_reader()
        self.visible = False
        show_info("napari now opens .tif and .tiff files with napari-inverse, keeping their "
                  "pixel size; change this in Preferences → Plugins")

    def _decline(self) -> None:
        decline_plugin_reader()
        self.visible = False
