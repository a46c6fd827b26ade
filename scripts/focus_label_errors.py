"""Where the depth-of-field weak labels of focal stacks go wrong, on tuning seeds (never the
bench's): the rule with the true depth, with the estimated depth (true object pixels, then the
full labels), with each object's median estimated depth, with a 5×5 median of the depth map,
without photon noise; and where the wrong voxels of the labels lie.

    .venv/bin/python scripts/focus_label_errors.py [--seeds 100 108]
"""
from __future__ import annotations

import argparse

import numpy as np
import torch
from scipy import ndimage

from napari_inverse import Optics
from napari_inverse.classical.focus import depth_of_field_planes, focused_pixels, weak_labels
from napari_inverse.metrics import iou
from napari_inverse.simulate.pairs import FocusRanges, focus_pair

SHAPE = (128, 128)
NOISE_FREE_PHOTONS = 1e9


def object_median(depth: np.ndarray, true_depth: np.ndarray) -> np.ndarray:
    """``depth`` replaced by its median over each connected region of one true depth."""
    smoothed = depth.copy()
    for value in np.unique(true_depth[np.isfinite(true_depth)]):
        regions, n = ndimage.label(true_depth == value)
        for i in range(1, n + 1):
            smoothed[regions == i] = np.median(depth[regions == i])
    return smoothed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", nargs=2, type=int, default=(100, 108))
    seeds = range(*parser.parse_args().seeds)
    torch.set_num_threads(1)
    scores: dict[str, list] = {}
    wrong = dict(all=0, lateral=0, axial=0, axial_near_edge=0, axial_near_border=0,
                 axial_end_planes=0)
    for seed in seeds:
        pair = focus_pair(seed, SHAPE, ranges=FocusRanges())
        optics = Optics(**pair.metadata["optics"])
        half_width = 0.5 * depth_of_field_planes(optics)
        true_depth = np.asarray(pair.metadata["depth_nm"]) / optics.z_step_nm
        known = np.nan_to_num(true_depth, nan=-99.0)
        objects = np.isfinite(true_depth)
        labels, peak = weak_labels(pair.input, optics=optics)
        gate = focused_pixels(peak)
        planes = np.arange(pair.input.shape[0])[:, None, None]

        def rule(depth, pixels):
            return (np.abs(planes - depth[None]) <= half_width) & pixels[None]

        quiet = focus_pair(seed, SHAPE, ranges=FocusRanges(), photons=NOISE_FREE_PHOTONS)
        quiet_depth = weak_labels(quiet.input, optics=optics)[1].depth
        for name, mask in (("true depth, true pixels", rule(known, objects)),
                           ("estimated depth, true pixels", rule(peak.depth, objects)),
                           ("weak labels", labels),
                           ("object median depth, true pixels",
                            rule(object_median(peak.depth, true_depth), objects)),
                           ("5x5 median depth, true pixels",
                            rule(ndimage.median_filter(peak.depth, 5), objects)),
                           ("noise-free stack's depth, true pixels", rule(quiet_depth, objects))):
            scores.setdefault(name, []).append(iou(pair.target, mask))
        error = labels != pair.target
        lateral = error & ~(gate == objects)[None]
        axial = error & ~lateral
        near_edge = np.abs(np.abs(planes - known[None]) - half_width) < 0.5
        border = ndimage.maximum_filter(known, 5) != ndimage.minimum_filter(known, 5)
        end_planes = (true_depth < 1) | (true_depth > pair.input.shape[0] - 2)
        for key, voxels in (("all", error), ("lateral", lateral), ("axial", axial),
                            ("axial_near_edge", axial & near_edge),
                            ("axial_near_border", axial & border[None]),
                            ("axial_end_planes", axial & end_planes[None])):
            wrong[key] += int(voxels.sum())
    for name, values in scores.items():
        print(f"{name}: IoU {np.mean(values):.3f}")
    print("wrong voxels of the weak labels:",
          {key: f"{count / wrong['all']:.0%}" for key, count in wrong.items()})


if __name__ == "__main__":
    main()
