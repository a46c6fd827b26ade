"""Phase specimens in radians: synthetic cells, random phase textures and a real quantitative
phase image, as truths for phase-retrieval training and tests.

The phase φ is the delay a thin transparent specimen gives the light, φ = 2π·Δn·t/λ for a
thickness t with index excess Δn. Adherent cells have optical path differences of roughly
100–300 nm, i.e. 1–3.5 rad in green light; the reference phase simulator (references.md §2.7,
§4.2) scales its images to 0–3.5 rad. Our defaults (2 rad for cells, 1 rad for textures) sit
inside that range; they are assumptions, not measurements.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy.ndimage import gaussian_filter

from .textures import smooth_texture

#: Pixel spacing of ``skimage.data.cell()`` as its documentation states.
SKIMAGE_CELL_PIXEL_NM = 107.0


def cell_phase(
    shape: Sequence[int],
    pixel_size_nm: float = 210.0,
    n_cells: int = 3,
    cell_diameter_nm: float = 15000.0,
    max_phase_rad: float = 2.0,
    seed: int = 0,
) -> np.ndarray:
    """Phase map (Y, X) of ``n_cells`` cells on zero background, peak ``max_phase_rad``.

    Each cell is a dome over an irregular outline (thickest in the middle, as an adherent cell),
    with a thicker nucleus and a few dozen small organelles (vesicles, lipid droplets) of higher
    index. Cells stay inside the field, so the phase falls to 0 at the borders and a periodic
    (FFT) propagation shows no seam. Diameters vary by ±25 % around ``cell_diameter_nm``.
    """
    rng = np.random.default_rng(seed)
    ny, nx = (int(s) for s in shape)
    y, x = np.mgrid[:ny, :nx].astype(np.float64)
    phase = np.zeros((ny, nx))
    radius_px = 0.5 * cell_diameter_nm / pixel_size_nm
    centres: list[np.ndarray] = []
    for _ in range(n_cells):
        radius = radius_px * rng.uniform(0.75, 1.25)
        centre = _free_position(rng, (ny, nx), radius, centres, 1.6 * radius_px)
        centres.append(centre)
        body = _dome(y - centre[0], x - centre[1], radius, rng)
        offset = rng.uniform(-0.25, 0.25, 2) * radius
        nucleus = _dome(y - centre[0] - offset[0], x - centre[1] - offset[1], 0.4 * radius, rng)
        granules = _organelles(y, x, centre, radius, pixel_size_nm, rng) * (body > 0)
        phase += body + 0.6 * nucleus + granules
    phase = gaussian_filter(phase, sigma=1.0)  # cell edges are smooth on the scale of a pixel
    return (phase * max_phase_rad / max(phase.max(), 1e-12)).astype(np.float32)


def phase_texture(
    shape: Sequence[int],
    pixel_size_nm: float = 210.0,
    correlation_nm: float = 1000.0,
    max_phase_rad: float = 1.0,
    seed: int = 0,
) -> np.ndarray:
    """Periodic random phase (Y, X) in [0, ``max_phase_rad``] with features of ``correlation_nm``.

    A specimen with detail at every position, for checks that need contrast everywhere.
    """
    rng = np.random.default_rng(seed)
    texture = smooth_texture(shape, correlation_nm / pixel_size_nm, rng)
    return (max_phase_rad * texture).astype(np.float32)


def load_cell_phase(max_phase_rad: float = 2.0) -> tuple[np.ndarray, float]:
    """The real quantitative phase image ``skimage.data.cell()`` in rad, and its pixel size (nm).

    The image is a hologram-retrieved phase map of a cell floating in saline (Müller et al.,
    Opt. Express 2018), shipped as uint8 without its radian scale. Assumption: the grey levels
    are linear in phase, the median (the background) is 0 rad and the brightest pixel is
    ``max_phase_rad``. The default 2 rad is an estimate for a ~10 µm HL60 cell with Δn ≈ 0.02
    at 633 nm (2π·0.02·10 µm / 0.633 µm ≈ 2 rad); pass your own value when you know better.
    The background keeps its banding artefact, which is part of the real data.
    """
    from skimage.data import cell

    grey = cell().astype(np.float64)
    background = np.median(grey)
    phase = (grey - background) * max_phase_rad / (grey.max() - background)
    return phase.astype(np.float32), SKIMAGE_CELL_PIXEL_NM


def _free_position(rng, shape, radius, taken, min_distance, tries: int = 50) -> np.ndarray:
    """A centre keeping the whole cell inside the field, away from earlier cells when possible."""
    margin = np.minimum(1.15 * radius + 2, np.array(shape) / 2)
    for _ in range(tries):
        centre = rng.uniform(margin, np.array(shape) - margin)
        if all(np.hypot(*(centre - other)) >= min_distance for other in taken):
            return centre
    return centre


def _dome(dy: np.ndarray, dx: np.ndarray, radius: float, rng) -> np.ndarray:
    """Height sqrt(1 − ρ²) over an outline r(θ) = R·(1 + Σ aₖ cos(kθ + θₖ)), k = 2, 3, 4."""
    angle = np.arctan2(dy, dx)
    outline = np.ones_like(angle)
    for k in (2, 3, 4):
        outline += rng.uniform(0, 0.12 / (k - 1)) * np.cos(k * angle + rng.uniform(0, 2 * np.pi))
    rho2 = (dy**2 + dx**2) / (radius * outline) ** 2
    return np.sqrt(np.clip(1.0 - rho2, 0.0, None))


def _organelles(y, x, centre, radius, pixel_size_nm, rng, count: int = 30) -> np.ndarray:
    """Gaussian granules of 200–600 nm (σ) scattered inside the cell, heights 0.05–0.2."""
    where = centre + rng.uniform(-0.8, 0.8, (count, 2)) * radius
    sigma = rng.uniform(200.0, 600.0, count) / pixel_size_nm
    height = rng.uniform(0.05, 0.2, count)
    granules = np.zeros_like(y)
    for (cy, cx), s, h in zip(where, sigma, height):
        granules += h * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * s * s))
    return granules
