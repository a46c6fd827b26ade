"""Where each pixel of a focal stack is sharpest: depth map, all-in-focus image, weak labels.

A stack is read one slice at a time, so a 64 × 2048² stack needs a few (Y, X) maps, never a
focus score per slice held at once. Pass one (:func:`focus_peak`) finds every pixel's best
plane, the sub-plane ``depth`` (in planes), its score there and at the neighbouring planes, and
its lowest score. A pixel can be in focus somewhere (:func:`focused_pixels`) when

    peak ≥ contrast · lowest,   peak ≥ floor · P99(peak)   and the pixel is foreground

— a focus curve that really rises (uniform haze has a flat one) and detail above the noise's
(P99: the 99th percentile of the peak map; dark background peaks on noise alone). Foreground
(:func:`foreground`): brighter than Otsu's threshold in the all-in-focus image, after a
closing and hole filling that keep the dark grains of a texture; without it a window's score
spills past an object's edge onto the dark background. Which slices it is in focus in:

- **depth-of-field rule**, when the optics are known (NA, emission λ in nm, immersion index n,
  pixel e in nm and plane spacing Δz in nm): slice k when |k − depth| ≤ f · DOF / Δz, with
  DOF = λ·n/NA² + n·e/NA (nm; `optics.depth_of_field_nm`) and f = 0.5 — the definition of "in
  focus" (within half the depth of field of the plane), with the measured depth for the true
  one. No second pass over the stack.
- **ratio rule**, without optics (pass two): slice k when score_k ≥ ratio · peak, near the
  pixel's own best focus, so that it holds for dim and bright objects alike.

The paper leaves its threshold unstated (references.md §5); both rules are ours. Defaults
(Tenengrad, windows 5/9/17, ratio 0.75, contrast 1.5, floor 0.1, closing 2 px) scored best on
simulated stacks (docs/benchmarks.md, focus notes).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np
from scipy import ndimage

from ..engine.validation import InvalidInput
from ..optics import Optics, depth_of_field_nm
from .focus_measures import focus_map

DEFAULT_MEASURE = "tenengrad"
DEFAULT_WINDOWS = (5, 9, 17)
DEFAULT_RATIO = 0.75
DEFAULT_CONTRAST = 1.5
DEFAULT_FLOOR = 0.1
DEFAULT_CLOSING = 2
DEFAULT_DEPTH_FRACTION = 0.5
Step = Optional[Callable[[str], None]]
"""Called after every slice (progress and cancel), with a message."""


@dataclass
class FocusPeak:
    """Per pixel (Y, X): best plane ``index``, sub-plane ``depth`` (planes), score ``peak``
    there, ``lowest`` score over the stack, and the ``all_in_focus`` value (the best plane's)."""

    index: np.ndarray
    depth: np.ndarray
    peak: np.ndarray
    lowest: np.ndarray
    all_in_focus: np.ndarray


def focus_peak(stack, measure: str = DEFAULT_MEASURE,
               windows: Sequence[int] = DEFAULT_WINDOWS, step: Step = None) -> FocusPeak:
    """One pass over ``stack`` (Z, Y, X; numpy, memmap or dask): the :class:`FocusPeak`.

    The depth is refined between planes by the vertex of a parabola through the logarithm of
    the scores at the best plane and its neighbours (exact for a Gaussian focus curve); at the
    first and last plane it stays whole.
    """
    previous = below = above = peak = lowest = index = brightest = None
    for k in range(stack.shape[0]):
        plane = np.asarray(stack[k], dtype=np.float32)
        score = focus_map(plane, measure, windows)
        if peak is None:
            peak, lowest, index, brightest = score.copy(), score.copy(), np.zeros(
                score.shape, np.int32), plane.copy()
            below, above = np.full_like(score, np.nan), np.full_like(score, np.nan)
        else:
            higher = score > peak
            after_peak = (index == k - 1) & ~higher
            above[after_peak] = score[after_peak]
            peak = np.where(higher, score, peak)
            below = np.where(higher, previous, below)
            above[higher] = np.nan
            index[higher] = k
            brightest[higher] = plane[higher]
            np.minimum(lowest, score, out=lowest)
        previous = score
        if step is not None:
            step(f"focus of slice {k + 1}/{stack.shape[0]}")
    return FocusPeak(index=index, depth=index + _parabola_vertex(below, peak, above), peak=peak,
                     lowest=lowest, all_in_focus=brightest)


def _parabola_vertex(below, centre, above) -> np.ndarray:
    """Offset in (−½, ½) of the maximum of the parabola through log scores at −1, 0, +1."""
    tiny = np.float32(1e-30)
    with np.errstate(invalid="ignore", divide="ignore"):
        low, mid, high = (np.log(np.maximum(v, tiny)) for v in (below, centre, above))
        curvature = low - 2 * mid + high
        offset = 0.5 * (low - high) / curvature
    usable = np.isfinite(offset) & (curvature < 0)
    return np.where(usable, np.clip(offset, -0.5, 0.5), 0).astype(np.float32)


def otsu_threshold(image: np.ndarray, bins: int = 256) -> float:
    """The level that maximises the between-class variance of ``image``'s histogram (Otsu)."""
    counts, edges = np.histogram(image, bins)
    centres = (edges[:-1] + edges[1:]) / 2
    weight_below = np.cumsum(counts)[:-1].astype(np.float64)
    weight_above = counts.sum() - weight_below
    sum_below = np.cumsum(counts * centres)[:-1]
    sum_above = (counts * centres).sum() - sum_below
    with np.errstate(invalid="ignore", divide="ignore"):
        separation = weight_below * weight_above * (sum_below / weight_below
                                                    - sum_above / weight_above) ** 2
    return float(centres[np.argmax(np.nan_to_num(separation, nan=-1.0))])


def foreground(all_in_focus: np.ndarray, closing: int = DEFAULT_CLOSING) -> np.ndarray:
    """(Y, X) bool: objects, not dark background — above Otsu's threshold of the all-in-focus
    image, closed by ``closing`` pixels (edges replicated) and with holes filled, so that a
    textured object or sheet stays whole."""
    bright = all_in_focus > otsu_threshold(all_in_focus)
    if closing > 0:
        padded = np.pad(bright, closing, mode="edge")
        square = ndimage.generate_binary_structure(2, 2)
        bright = ndimage.binary_closing(padded, square, closing)[closing:-closing,
                                                                 closing:-closing]
    return ndimage.binary_fill_holes(bright)


def focused_pixels(peak: FocusPeak, contrast: float = DEFAULT_CONTRAST,
                   floor: float = DEFAULT_FLOOR, closing: int = DEFAULT_CLOSING) -> np.ndarray:
    """(Y, X) bool: foreground pixels whose focus curve rises above haze and noise (in focus
    somewhere)."""
    strong = peak.peak >= floor * np.percentile(peak.peak, 99)
    return (strong & (peak.peak >= contrast * peak.lowest) & (peak.peak > 0)
            & foreground(peak.all_in_focus, closing))


def in_focus_slice(score: np.ndarray, peak: FocusPeak, focused: np.ndarray,
                   ratio: float = DEFAULT_RATIO) -> np.ndarray:
    """The ratio rule's label of one slice from its focus score (the module docstring)."""
    return (score >= ratio * peak.peak) & focused


def depth_of_field_planes(optics: Optics) -> float:
    """The depth of field in planes, DOF / Δz: what the depth-of-field rule needs."""
    if optics.z_step_nm is None:
        raise InvalidInput("the depth-of-field rule needs the distance between planes: give "
                           "Optics(z_step_nm=…), or use the ratio rule")
    return depth_of_field_nm(optics) / optics.z_step_nm


def within_depth_of_field(k: int, depth: np.ndarray, focused: np.ndarray, half_width: float
                          ) -> np.ndarray:
    """The depth-of-field rule's label of slice k: |k − depth| ≤ ``half_width``, the depth and
    the half width in planes."""
    return (np.abs(k - depth) <= half_width) & focused


def weak_labels(stack, measure: str = DEFAULT_MEASURE,
                windows: Sequence[int] = DEFAULT_WINDOWS, ratio: float = DEFAULT_RATIO,
                contrast: float = DEFAULT_CONTRAST, floor: float = DEFAULT_FLOOR,
                closing: int = DEFAULT_CLOSING, peak: Optional[FocusPeak] = None, step: Step = None,
                out: Optional[np.ndarray] = None, optics: Optional[Optics] = None,
                depth_fraction: float = DEFAULT_DEPTH_FRACTION) -> tuple[np.ndarray, FocusPeak]:
    """(in-focus mask (Z, Y, X) bool, the stack's :class:`FocusPeak`): weak labels, no annotation.

    With ``optics`` (z_step_nm set) the depth-of-field rule at ``depth_fraction`` of the depth
    of field, else the ratio rule at ``ratio``. ``peak`` from an earlier :func:`focus_peak` of
    the same stack and measure saves pass one; ``out``, a boolean array of the stack's shape (a
    view of a larger one), receives the mask.
    """
    half_width = depth_fraction * depth_of_field_planes(optics) if optics is not None else None
    if peak is None:
        peak = focus_peak(stack, measure, windows, step)
    focused = focused_pixels(peak, contrast, floor, closing)
    mask = out if out is not None else np.zeros(tuple(stack.shape), dtype=bool)
    for k in range(stack.shape[0]):
        if half_width is not None:
            mask[k] = within_depth_of_field(k, peak.depth, focused, half_width)
        else:
            score = focus_map(np.asarray(stack[k], dtype=np.float32), measure, windows)
            mask[k] = in_focus_slice(score, peak, focused, ratio)
        if step is not None:
            step(f"in-focus mask of slice {k + 1}/{stack.shape[0]}")
    return mask, peak
