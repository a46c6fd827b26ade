"""Endoplasmic reticulum: a polygonal network of tubules meeting at three-way junctions, plus a
few flat sheets (cisternae) with small holes."""

from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
from scipy.spatial import Voronoi

from .curves import bowed_segments
from .outlines import radial_coordinate
from .rendering import (
    Canvas,
    Range,
    brightness_variation,
    field_spacing,
    normalised,
    random_field,
    size_range,
)

# A sheet's plateau relative to a tubule's peak on the pixel grid (after projection in 2-D).
_SHEET_LEVEL = 0.6
# In 3-D the network lies in a thin cortical layer that undulates by this much about mid-depth.
_LAYER_UNDULATION_NM = 300.0


def er(
    shape: Sequence[int],
    pixel_size_nm: float,
    z_step_nm: Optional[float] = None,
    seed: int = 0,
    mesh_nm: float = 1000.0,
    tubule_nm: Range = (60.0, 100.0),
    n_sheets: Optional[int] = None,
    sheet_diameter_nm: Range = (1500.0, 4000.0),
    sheet_thickness_nm: float = 50.0,
) -> np.ndarray:
    """Fluorophore density of the ER in a YX or ZYX field, max 1.

    Tubules are the edges of a Voronoi diagram of random points ``mesh_nm`` apart on average,
    whose vertices are exactly three-way junctions; 10 % of the edges are removed so some
    polygons open up, and each edge bows a little. A tubule's width (uniform in ``tubule_nm``)
    is below any optical resolution, so it sets the tubule's brightness (membrane per length)
    rather than a visible width: all are drawn with the mean width. ``n_sheets`` (default one
    per 100 µm²) flat cisternae with small holes (fenestrations) lie among them.
    """
    rng = np.random.default_rng(seed)
    shape, spacing = field_spacing(shape, pixel_size_nm, z_step_nm)
    extent = np.array(shape) * spacing
    low, high = size_range("tubule_nm", tubule_nm)
    if not (mesh_nm > 0 and sheet_thickness_nm > 0):
        raise ValueError(
            f"mesh_nm and sheet_thickness_nm must be positive, got {mesh_nm!r}, "
            f"{sheet_thickness_nm!r}"
        )
    canvas = Canvas(shape, spacing, finest_nm=low / 2)
    ends_a, ends_b = _voronoi_edges(rng, extent[-2:], mesh_nm)
    depth = _layer_depth(rng, extent)
    if len(shape) == 3:
        ends_a = np.column_stack([depth(ends_a), ends_a])
        ends_b = np.column_stack([depth(ends_b), ends_b])
    widths = rng.uniform(low, high, len(ends_a)) / ((low + high) / 2)
    canvas.splat(*bowed_segments(rng, ends_a, ends_b, canvas.step_nm, bow=0.08, brightness=widths))
    tubules = canvas.render((low + high) / 2)
    tubules /= max(float(tubules.max()), 1e-12)
    if n_sheets is None:
        n_sheets = round(float(np.prod(extent[-2:])) * 1e-6 / 100)
    sheets = np.zeros(shape)
    diameters = size_range("sheet_diameter_nm", sheet_diameter_nm)
    for _ in range(n_sheets):
        sheets = np.maximum(
            sheets, _sheet(rng, shape, spacing, diameters, sheet_thickness_nm, depth)
        )
    network = np.maximum(tubules, _SHEET_LEVEL * sheets)  # a sheet hides the tubules it replaces
    return normalised(network * brightness_variation(rng, shape, spacing))


def _voronoi_edges(rng, extent_yx, mesh_nm) -> tuple[np.ndarray, np.ndarray]:
    """Voronoi edges of Poisson points, over the field and a margin so its edges are covered."""
    margin = 2 * mesh_nm
    size = extent_yx + 2 * margin
    seeds = rng.uniform(0, 1, (max(4, rng.poisson(np.prod(size) / mesh_nm**2)), 2)) * size - margin
    diagram = Voronoi(seeds)
    ridges = np.array([r for r in diagram.ridge_vertices if -1 not in r], dtype=int).reshape(-1, 2)
    a, b = diagram.vertices[ridges[:, 0]], diagram.vertices[ridges[:, 1]]
    inside = np.all((np.minimum(a, b) > -margin) & (np.maximum(a, b) < extent_yx + margin), axis=1)
    keep = inside & (rng.random(len(ridges)) >= 0.1)
    return a[keep], b[keep]


def _layer_depth(rng, extent):
    """z (nm) of the ER layer at lateral positions: mid-depth plus three gentle waves (4–10 µm)."""
    directions = rng.normal(size=(3, 2))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    wavevectors = directions * (2 * math.pi / rng.uniform(4000.0, 10000.0, (3, 1)))
    phases = rng.uniform(0, 2 * math.pi, 3)
    middle = extent[0] / 2 if len(extent) == 3 else 0.0
    amplitude = _LAYER_UNDULATION_NM / math.sqrt(3)

    def depth(yx: np.ndarray) -> np.ndarray:
        return middle + amplitude * np.sin(np.asarray(yx) @ wavevectors.T + phases).sum(axis=-1)

    return depth


def _sheet(rng, shape, spacing, diameters, thickness_nm, depth) -> np.ndarray:
    """One flat cisterna: a wobbly disc with a soft one-pixel edge and ~150 nm fenestrations."""
    extent = np.array(shape) * spacing
    centre = rng.uniform(0, 1, 2) * extent[-2:]
    radius = rng.uniform(*diameters) / 2
    rows, cols = ((np.arange(n) + 0.5) * d - c for n, d, c in zip(shape[-2:], spacing[-2:], centre))
    rho = radial_coordinate(
        rng, rows[:, None], cols[None, :], (radius, radius * rng.uniform(0.5, 1.0)), 0.1
    )
    cover = np.clip((1 - rho) * radius / spacing[-1] + 0.5, 0, 1)
    holes = random_field(rng, shape[-2:], spacing[-2:], 60.0)
    cover *= 1 - np.clip(holes - 1.5, 0, 1)
    if len(shape) == 2:
        return cover
    # Fraction of the sheet's thickness inside each plane: anti-aliased along z as well.
    z = (np.arange(shape[0]) + 0.5) * spacing[0]
    top, bottom = depth(centre) + thickness_nm / 2, depth(centre) - thickness_nm / 2
    overlap = np.clip(
        np.minimum(z + spacing[0] / 2, top) - np.maximum(z - spacing[0] / 2, bottom), 0, None
    )
    return (overlap / thickness_nm)[:, None, None] * cover[None]
