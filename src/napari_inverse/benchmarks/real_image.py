"""A benchmark set from a real micrograph: stardist's ``img2d.tif`` nuclei as the object.

The real image (512×512, uint16, fluorescent nuclei) is scaled to [0, 1] and treated as the
specimen, then blurred and noised by the simulator through microscopes drawn like the simulated
sets' (NA 0.8–1.49, 450–650 nm, near-Nyquist pixels, 100–1000 photons). Its four 256² quadrants
seen through three microscopes each make the test set; the quadrants seen through one other
microscope make the validation set. The image is not shipped (licence): pass its path (see
``scripts/nuclei_realism_figure.py`` for how to extract it from the stardist wheel).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..simulate.imaging import image_specimen
from ..simulate.pairs import MicroscopeRanges, Pair, _electron_counting_camera

QUADRANT = 256


@dataclass(frozen=True)
class RealImageSet:
    path: Path
    microscopes: int = 3
    seed: int = 7000

    @property
    def name(self) -> str:
        return f"deconvolution/real nuclei, stardist img2d ({4 * self.microscopes}×{QUADRANT}²)"

    def pairs(self) -> list[Pair]:
        import tifffile

        image = np.asarray(tifffile.imread(self.path), dtype=np.float32)
        if image.ndim != 2 or min(image.shape) < 2 * QUADRANT:
            raise ValueError(f"{self.path} should be stardist's 512×512 img2d.tif, got shape "
                             f"{image.shape}")
        low, high = np.percentile(image, [1, 99.9])
        specimen = np.clip((image - low) / (high - low), 0, None)
        quadrants = [specimen[y:y + QUADRANT, x:x + QUADRANT]
                     for y in (0, QUADRANT) for x in (0, QUADRANT)]
        pairs = []
        for k in range(self.microscopes):
            rng = np.random.default_rng(self.seed + k)
            optics, photons, background = MicroscopeRanges().draw(rng)
            for q, quadrant in enumerate(quadrants):
                seed = self.seed + 10 * k + q
                imaged = image_specimen(quadrant, optics, "widefield", photons, background,
                                        _electron_counting_camera(), seed=seed)
                pairs.append(Pair(imaged.image, imaged.truth,
                                  {"optics": optics.to_dict(), "photons": photons, "seed": seed}))
        return pairs

    def validation(self) -> "RealImageSet":
        return RealImageSet(self.path, microscopes=1, seed=self.seed + 500)
