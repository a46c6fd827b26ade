"""Figure: every registered specimen (truth) beside its widefield camera image and SIM-like target.

Usage: python scripts/specimen_gallery.py [OUT.png]   (default docs/images/specimens.png)
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from napari_inverse import Optics  # noqa: E402
from napari_inverse.simulate import (  # noqa: E402
    SPECIMENS,
    Camera,
    image_specimen,
    render_specimen,
    super_resolution_target,
)

SHAPE = (192, 192)
# Pixel sizes that show each structure: fine for the small ones, coarse for nuclei.
PIXEL_NM = {"microtubules": 30, "actin": 30, "ccp": 15, "er": 30, "nuclei": 150, "beads": 30}
PHOTONS = 300.0


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/images/specimens.png")
    figure, axes = plt.subplots(3, len(SPECIMENS), figsize=(2.2 * len(SPECIMENS), 7))
    for column, name in enumerate(SPECIMENS):
        px = PIXEL_NM[name]
        optics = Optics(1.4, 520, px)
        truth = render_specimen(name, SHAPE, px, seed=1)
        camera = image_specimen(
            truth, optics, photons=PHOTONS, background=10, camera=Camera(), seed=1
        ).image
        target = super_resolution_target(truth, optics, photons=PHOTONS, background=10).image
        for row, (image, label) in enumerate(
            ((truth, "specimen"), (target, "SIM-like target"), (camera, "widefield, sCMOS"))
        ):
            low, high = np.percentile(image, [0.5, 99.8])
            high = max(high, low + 0.3 * (image.max() - low))  # sparse beads: 99.8 % is background
            axes[row, column].imshow(
                image, cmap="gray", vmin=low, vmax=high, interpolation="nearest"
            )
            axes[row, column].set_xticks([])
            axes[row, column].set_yticks([])
            if row == 0:
                axes[row, column].set_title(
                    f"{name}\n{px} nm pixels, {SHAPE[0] * px / 1000:.1f} µm", fontsize=9
                )
            if column == 0:
                axes[row, column].set_ylabel(label, fontsize=9)
    figure.suptitle(
        f"NA 1.4 oil, λ 520 nm, {PHOTONS:.0f} photons at the brightest point, "
        "background 10 e⁻, seed 1",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(out, dpi=80)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
