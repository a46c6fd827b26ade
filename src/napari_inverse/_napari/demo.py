"""One-click demo: napari with simulated widefield microtubules, their truth and Deconvolve.

``napari-inverse demo`` calls :func:`launch_demo`; :func:`prepare_demo` sets up any viewer the
same way, for tests and the documentation screenshot.
"""
from __future__ import annotations

SAMPLE = ("napari-inverse", "widefield_filaments")
IMAGE_LAYER = "microtubules (widefield)"


def prepare_demo(viewer):
    """Add the simulated sample to ``viewer`` and dock Deconvolve on its image; return the dock."""
    viewer.open_sample(*SAMPLE)
    _, dock = viewer.window.add_plugin_dock_widget("napari-inverse", "Deconvolve")
    dock.image.value = viewer.layers[IMAGE_LAYER]
    return dock


def launch_demo() -> None:
    """Open napari with the demo and run its event loop until the window is closed."""
    import napari

    viewer = napari.Viewer(title="napari-inverse demo")
    prepare_demo(viewer)
    napari.run()
