"""Render docs/images/napari-deconvolve.png: the demo after one Richardson–Lucy run.

The window shows the Deconvolve dock and, side by side in napari's grid, the simulated widefield
image, its deconvolution and the ground truth. It needs a display; headless, run
``xvfb-run -a .venv/bin/python scripts/screenshot.py``. Settings are isolated in a temporary
folder so the picture does not depend on what the user last typed.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "images" / "napari-deconvolve.png"
WINDOW_SIZE = (1800, 720)
TIMEOUT_S = 300


def main() -> int:
    os.environ["NAPARI_INVERSE_CONFIG_DIR"] = tempfile.mkdtemp(prefix="napari-inverse-")
    import napari
    from qtpy.QtWidgets import QApplication

    from napari_inverse._napari.demo import IMAGE_LAYER, prepare_demo

    viewer = napari.Viewer(title="napari-inverse — Deconvolve", show=True)
    viewer.window.resize(*WINDOW_SIZE)
    dock = prepare_demo(viewer)
    dock.run_button.clicked()
    started = time.monotonic()
    while dock.runner.running:
        if time.monotonic() - started > TIMEOUT_S:
            print(f"deconvolution did not finish within {TIMEOUT_S} s", file=sys.stderr)
            return 1
        QApplication.processEvents()
        time.sleep(0.02)
    result = f"{IMAGE_LAYER} [richardson_lucy]"
    if result not in viewer.layers:
        print(f"no result layer; the dock says: {dock.message.value}", file=sys.stderr)
        return 1
    truth = viewer.layers["microtubules (truth)"]
    truth.visible = True
    viewer.layers.move(viewer.layers.index(truth), len(viewer.layers))  # grid: input | result | truth
    viewer.layers.selection.active = viewer.layers[result]
    viewer.canvas.grid.enabled = True
    viewer.canvas.grid.shape = (1, 3)
    viewer.reset_view()
    QApplication.processEvents()
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    viewer.screenshot(str(OUTPUT), canvas_only=False)
    viewer.close()
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
