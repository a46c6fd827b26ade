"""Sample data made on the fly (no download): simulated widefield filaments with their truth."""
from __future__ import annotations

from ..optics import Optics
from ..simulate import filaments, simulate_widefield

PIXEL_SIZE_NM = 65.0
OPTICS = Optics(na=1.4, wavelength_nm=520, pixel_size_nm=PIXEL_SIZE_NM)


def widefield_filaments(shape: tuple[int, int] = (256, 256), seed: int = 0) -> list[tuple]:
    """Blurred, noisy widefield image and its ground truth, as two layers with scale in µm.

    The truth starts hidden, above the image. Both layers carry the true optics in their metadata, so the Deconvolve dock pre-fills NA,
    wavelength and pixel size exactly.
    """
    specimen = filaments(shape, PIXEL_SIZE_NM, seed=seed)
    pair = simulate_widefield(specimen, OPTICS, photons=300, seed=seed)
    scale = (PIXEL_SIZE_NM / 1000.0,) * 2
    metadata = {
        "axes": "YX",
        "pixel_size_nm": {"Y": PIXEL_SIZE_NM, "X": PIXEL_SIZE_NM},
        "optics": OPTICS.to_dict(),
    }
    return [
        (pair.image, {"name": "filaments (widefield)", "scale": scale, "metadata": dict(metadata),
                      "colormap": "gray"}, "image"),
        (pair.truth, {"name": "filaments (truth)", "scale": scale, "metadata": dict(metadata),
                      "colormap": "gray", "visible": False}, "image"),
    ]
