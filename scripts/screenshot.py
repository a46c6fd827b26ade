"""Render docs/images/napari-{deconvolve,denoise,train}.png: each dock after one run on a sample.

Each picture is a default-sized napari window (1500 × 950) with one dock, the sample and the
dock's result side by side in napari's grid, as a user sees them after one click. It needs a
display; headless, run ``xvfb-run -a .venv/bin/python scripts/screenshot.py [deconvolve …]``.
Settings are isolated in a temporary folder so the pictures do not depend on what the user
last typed, and the Train dock's model is saved there too.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"
WINDOW_SIZE = (1500, 950)
TIMEOUT_S = 300


def deconvolve(viewer, dock) -> None:
    """The demo: widefield microtubules with the default (trained) method."""
    viewer.open_sample("napari-inverse", "widefield_filaments")
    dock.image.value = viewer.layers["microtubules (widefield)"]
    run(dock, dock.run_button)


def denoise(viewer, dock) -> None:
    """Noisy nuclei (~20 photons per pixel) with the default CARE model."""
    viewer.open_sample("napari-inverse", "noisy_nuclei")
    dock.image.value = viewer.layers["nuclei (noisy)"]
    run(dock, dock.run_button)


def train(viewer, dock) -> None:
    """The shipped Noise2Void fine-tuned on the noisy nuclei themselves (the dock's CPU
    defaults: a few minutes), then Predict on them."""
    viewer.open_sample("napari-inverse", "noisy_nuclei")
    layer = viewer.layers["nuclei (noisy)"]
    dock.image.value = [layer]
    dock.family.value, dock.model_name.value = "n2v", "nuclei-n2v"
    run(dock, dock.run_button)
    dock.predict_on.value = layer
    run(dock, dock.predict_button)


DOCKS = {"deconvolve": ("Deconvolve", deconvolve), "denoise": ("Denoise", denoise),
         "train": ("Train", train)}


def run(dock, button) -> None:
    """Click ``button`` and wait, processing events, until the dock's job has finished."""
    from qtpy.QtWidgets import QApplication

    button.clicked()
    started = time.monotonic()
    while dock.runner.running:
        if time.monotonic() - started > TIMEOUT_S:
            raise RuntimeError(f"the job did not finish within {TIMEOUT_S} s")
        QApplication.processEvents()
        time.sleep(0.02)
    QApplication.processEvents()


def capture(name: str) -> Path:
    """Open a window with the dock ``name``, run it on its sample and save the picture."""
    import napari
    from qtpy.QtWidgets import QApplication

    widget, prepare = DOCKS[name]
    viewer = napari.Viewer(title=f"napari-inverse — {widget}", show=True)
    viewer.window._qt_window.resize(*WINDOW_SIZE)
    _, dock = viewer.window.add_plugin_dock_widget("napari-inverse", widget)
    before = set(viewer.layers)
    try:
        prepare(viewer, dock)
        results = [layer for layer in viewer.layers if layer not in before and
                   layer.metadata.get("napari_inverse")]
        if not results:
            raise RuntimeError(f"no result layer; the dock says: {dock.message.value}")
        viewer.layers.selection.active = results[-1]
        dock.side_by_side.native.click()  # the input beside its result, as a user would
        viewer.reset_view()
        QApplication.processEvents()
        output = IMAGES / f"napari-{name}.png"
        output.parent.mkdir(parents=True, exist_ok=True)
        viewer.screenshot(str(output), canvas_only=False)
        return output
    finally:
        viewer.close()


def main(names: list[str]) -> int:
    os.environ["NAPARI_INVERSE_CONFIG_DIR"] = tempfile.mkdtemp(prefix="napari-inverse-")
    os.environ.setdefault("NAPARI_INVERSE_MODELS_DIR",
                          tempfile.mkdtemp(prefix="napari-inverse-models-"))
    unknown = set(names) - set(DOCKS)
    if unknown:
        print(f"unknown dock {sorted(unknown)}: choose from {list(DOCKS)}", file=sys.stderr)
        return 2
    for name in names or DOCKS:
        try:
            output = capture(name)
        except RuntimeError as error:
            print(f"{name}: {error}", file=sys.stderr)
            return 1
        print(f"wrote {output} ({output.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
