"""Render docs/images/samples/<key>.png: each sample as napari draws it, data beside truth.

Each panel is napari's canvas with one view of the sample (the data, its truth, or one plane of
a stack), the layers' own contrast limits and a scale bar in µm; panels are put side by side.
It needs a display; headless, run ``xvfb-run -a .venv/bin/python scripts/sample_gallery.py``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "images" / "samples"
PLUGIN = "napari-inverse"


def two_panels(viewer) -> list[np.ndarray]:
    """The data layer, then the truth layer, each alone."""
    data, truth = viewer.layers
    return [panel(viewer, [layer], layer.name, size=400) for layer in (data, truth)]


def defocus_panels(viewer) -> list[np.ndarray]:
    """The three planes (−1, 0, +1 µm), then the phase truth."""
    stack, phase = viewer.layers
    titles = {-1.0: "defocus stack, z = −1 µm", 0.0: "z = 0 (in focus)", 1.0: "z = +1 µm"}
    panels = [panel(viewer, [stack], title, size=300, z=z) for z, title in titles.items()]
    return panels + [panel(viewer, [phase], phase.name, size=300)]


def focal_panels(viewer) -> list[np.ndarray]:
    """Four planes of the stack, in-focus masks outlined on each."""
    stack, masks = viewer.layers
    masks.contour = 2
    masks.opacity = 1.0
    return [panel(viewer, [stack, masks], f"z = {z:.0f} µm, outlined: in focus", size=300, z=z)
            for z in (1.0, 3.0, 5.0, 7.0)]


LAYOUTS = {
    "widefield_filaments": two_panels,
    "widefield_actin": two_panels,
    "widefield_ccp": two_panels,
    "widefield_er": two_panels,
    "noisy_nuclei": two_panels,
    "brightfield_defocus_stack": defocus_panels,
    "focal_stack": focal_panels,
}


def panel(viewer, shown, title: str, size: int, z: float | None = None) -> np.ndarray:
    """The whole field, ``size`` pixels wide, with only ``shown`` layers visible, at world z."""
    for layer in viewer.layers:
        layer.visible = layer in shown
    if z is not None:
        viewer.dims.set_point(0, z)
    viewer.canvas.overlays["text"].text = title
    width = shown[0].data.shape[-1]
    return viewer.export_figure(scale_factor=size / width)[..., :3]


def main() -> int:
    import napari
    from PIL import Image

    OUTPUT.mkdir(parents=True, exist_ok=True)
    for key, layout in LAYOUTS.items():
        viewer = napari.Viewer(show=True)
        viewer.open_sample(PLUGIN, key)
        text, scale_bar = viewer.canvas.overlays["text"], viewer.canvas.overlays["scale_bar"]
        text.visible, text.position, text.font_size, text.color = True, "top_left", 9, "white"
        scale_bar.visible = scale_bar.box = True
        panels = layout(viewer)
        gap = np.full((panels[0].shape[0], 4, 3), 255, dtype=np.uint8)
        strip = np.concatenate([part for p in panels for part in (p, gap)][:-1], axis=1)
        path = OUTPUT / f"{key}.png"
        # ≤ 256 colours: the grey panels need no more, and noise no longer bloats the file
        Image.fromarray(strip).quantize(256, dither=Image.Dither.NONE).save(path, optimize=True)
        viewer.close()
        print(f"wrote {path.relative_to(OUTPUT.parents[2])} {strip.shape[1]}×{strip.shape[0]} "
              f"({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
