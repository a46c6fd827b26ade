"""The in-focus segmentation benchmark: weak labels and the shipped network against true masks.

Simulated focal stacks of held-out seeds, through microscopes inside the network's training
range (dry NA 0.3–0.8) and outside it (NA 0.85–0.95 and 0.2–0.28): IoU and Dice of the in-focus
masks and the depth map's error in planes. Fine-tuning (weak labels only) on two new kinds of
stack, oil objectives of NA 1.2–1.4 with planes spaced as in training and spaced about one depth
of field apart, is scored before and after on other seeds of each kind.
With stardist's img3d.tif the real-volume depth check runs (`real_volume`). Speeds: each focus
measure in MP/s of one thread's CPU time on a 512² slice (wall time on a shared machine measures
the queue, not the work; a box filter timed alike is the yardstick), the network's CPU seconds
per 512² slice, and the peak memory of a 64 × 2048² stack.
"""
from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from ..classical.focus import depth_of_field_planes
from ..classical.focus_measures import MEASURES, focus_map
from ..metrics import dice, iou
from ..optics import Optics
from ..simulate.pairs import FocusRanges, focus_pair

SHAPE = (128, 128)
MODEL = "focus-widefield"
FINE_TUNE_STEPS = 150


@dataclass(frozen=True)
class FocusSet:
    name: str
    ranges: FocusRanges
    first_seed: int


SETS = (
    FocusSet("NA 0.3–0.8 (training range), held-out seeds", FocusRanges(), 3000),
    FocusSet("NA 0.85–0.95 (held-out optics)", FocusRanges(na=(0.85, 0.95)), 4000),
    FocusSet("NA 0.2–0.28 (held-out optics)", FocusRanges(na=(0.2, 0.28)), 4500),
)
NEW_KINDS = (
    FocusSet("oil NA 1.2–1.4 (new kind)", FocusRanges(na=(1.2, 1.4)), 6000),
    FocusSet("oil NA 1.2–1.4, planes 0.8–1.2 depths of field apart (new kind)",
             FocusRanges(na=(1.2, 1.4), z_step_fraction=(0.8, 1.2)), 6000),
)
NEW_KIND_TRAINING_SEED = 5000


def score_stacks(focus_set: FocusSet, n: int, model: str, device: str,
                 optics: Optional[Optics] = None) -> dict[str, float]:
    """Mean IoU/Dice of weak labels (the depth-of-field rule with each stack's optics; the
    ratio rule's IoU too) and network, and the median depth error in planes of each one's depth
    map. ``optics`` fixes the microscope of every stack (else each seed draws its own from the
    set's ranges)."""
    from ..methods import segment_focus

    scores: dict[str, list] = {key: [] for key in ("ratio_iou", "weak_iou", "weak_dice",
                                                   "cnn_iou", "cnn_dice", "depth_planes",
                                                   "cnn_depth_planes")}
    for seed in range(focus_set.first_seed, focus_set.first_seed + n):
        pair = focus_pair(seed, SHAPE, optics=optics, ranges=focus_set.ranges)
        microscope = Optics(**pair.metadata["optics"])
        weak = segment_focus(pair.input, "weak", optics=microscope)
        ratio = segment_focus(pair.input, "weak", optics=microscope, rule="ratio")
        cnn = segment_focus(pair.input, "cnn", optics=microscope, model=model, device=device)
        scores["ratio_iou"].append(iou(pair.target, ratio.image))
        scores["weak_iou"].append(iou(pair.target, weak.image))
        scores["weak_dice"].append(dice(pair.target, weak.image))
        scores["cnn_iou"].append(iou(pair.target, cnn.image))
        scores["cnn_dice"].append(dice(pair.target, cnn.image))
        truth = np.asarray(pair.metadata["depth_nm"]) / microscope.z_step_nm
        for key, result in (("depth_planes", weak), ("cnn_depth_planes", cnn)):
            found = result.extras["depth_nm"] / microscope.z_step_nm
            seen = np.isfinite(truth) & np.isfinite(found) & pair.target.any(axis=0)
            scores[key].append(float(np.median(np.abs(found - truth)[seen]))
                               if seen.any() else np.nan)
    return {key: float(np.nanmean(values)) for key, values in scores.items()}


def fine_tuning_gain(kind: FocusSet, n_train: int, n_test: int, steps: int, model: str,
                     device: str) -> dict:
    """IoU on a new kind of stack before and after fine-tuning on others of that kind, all
    through one microscope (drawn from the kind's ranges), whose optics label the stacks."""
    from ..methods import fine_tune

    microscope = kind.ranges.draw(np.random.default_rng(NEW_KIND_TRAINING_SEED))[0]
    stacks = [focus_pair(seed, SHAPE, optics=microscope, ranges=kind.ranges).input
              for seed in range(NEW_KIND_TRAINING_SEED, NEW_KIND_TRAINING_SEED + n_train)]
    before = score_stacks(kind, n_test, model, device, microscope)
    with tempfile.TemporaryDirectory(prefix="napari-inverse-focus-") as folder:
        tuned = fine_tune(stacks, family="focus", start=model, name="focus-oil",
                          out=Path(folder) / "focus-oil", axes="ZYX", steps=steps,
                          device=device, seed=0, optics=microscope)
        after = score_stacks(kind, n_test, str(tuned.entry.weights), device, microscope)
    return {"before": before, "after": after, "steps": tuned.card.steps,
            "seconds": tuned.card.wall_time_s, "optics": microscope}


def measure_speeds(model: str, runs: int = 5) -> dict:
    """MP/s of each measure on a 512² slice and the reference box filter; network s/slice."""
    import torch
    from scipy import ndimage

    from ..zoo import load_model_for_inference
    from ..zoo.focus_inference import focus_probability, input_planes

    image = np.random.default_rng(0).random((512, 512)).astype(np.float32)
    megapixels = image.size / 1e6

    def fastest(run: Callable[[], object]) -> float:
        times = []
        for _ in range(runs):
            started = time.thread_time()
            run()
            times.append(time.thread_time() - started)
        return min(times)

    reference = megapixels / fastest(lambda: ndimage.uniform_filter(image, 9))
    rates = {name: megapixels / fastest(lambda name=name: focus_map(image, name))
             for name in MEASURES}
    network = load_model_for_inference(model, "cpu")
    stack = np.stack([image] * 3)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # thread CPU time counts one thread's work
    try:
        # planes half a depth of field apart, within the trained 1.7–2.9 planes per DOF
        seconds = fastest(lambda: focus_probability(network, stack, 2.0)) / 3
    finally:
        torch.set_num_threads(threads)
    return {"reference_mp_s": reference, "measures_mp_s": rates, "cnn_s_per_slice": seconds,
            "planes": input_planes(network.card.architecture)}


def run_focus_suite(quick: bool, device: str, command: str, say: Callable[[str], None],
                    real_volume: Optional[Path] = None, model: str = MODEL) -> str:
    """Run every part; return the report section (markdown)."""
    from .measure import run_worker
    from .report import load_average, torch_threads

    n = 2 if quick else 24
    lines = ["## In-focus segmentation (focal stacks)", "",
             f"Measured by `{command}` on {os.cpu_count()} CPU cores shared with other jobs "
             f"(1-minute load {load_average()} at the start; {torch_threads()}). Simulated "
             f"{SHAPE[0]}² stacks of 12 planes, held-out seeds (the network trained on seeds "
             "from 10 000 000); the network learned from weak labels only, the true masks "
             "only score it. Weak labels: the depth-of-field rule with each stack's optics; "
             "the ratio rule (no optics) beside it.", "",
             "| stacks | n | ratio-rule IoU | weak IoU | weak Dice | network IoU | network Dice "
             "| depth error, weak / network (planes, median) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for focus_set in SETS:
        say(f"focus: scoring {focus_set.name}")
        s = score_stacks(focus_set, n, model, device)
        lines.append(f"| {focus_set.name} | {n} | {s['ratio_iou']:.3f} | {s['weak_iou']:.3f} | "
                     f"{s['weak_dice']:.3f} | "
                     f"{s['cnn_iou']:.3f} | {s['cnn_dice']:.3f} | {s['depth_planes']:.2f} / "
                     f"{s['cnn_depth_planes']:.2f} |")
    for kind in NEW_KINDS:
        say(f"focus: fine-tuning on {kind.name}")
        gain = fine_tuning_gain(kind, 2 if quick else 8, n if quick else 12, 2 if quick else
                                FINE_TUNE_STEPS, model, device)
        microscope = gain["optics"]
        lines += ["", f"Fine-tuning without annotation on {kind.name}, one microscope (NA "
                  f"{microscope.na:.2f}, {microscope.wavelength_nm:.0f} nm, planes "
                  f"{microscope.z_step_nm:.0f} nm apart, depth of field "
                  f"{depth_of_field_planes(microscope):.2f} planes): {gain['steps']} steps "
                  f"({gain['seconds']:.0f} s) on weak labels of {2 if quick else 8} stacks; "
                  f"network IoU on {n if quick else 12} other stacks of that kind "
                  f"{gain['before']['cnn_iou']:.3f} → {gain['after']['cnn_iou']:.3f} (weak "
                  f"labels there: {gain['before']['weak_iou']:.3f})."]
    if real_volume is not None:
        lines += ["", _real_volume_line(real_volume)]
    say("focus: speed and memory")
    speed = measure_speeds(model, 2 if quick else 5)
    rates = ", ".join(f"{name} {rate:.0f}" for name, rate in speed["measures_mp_s"].items())
    lines += ["", f"Speed per 512² slice, one thread's CPU time (fastest of 5): {rates} MP/s; "
              f"a 9² box filter timed alike: {speed['reference_mp_s']:.0f} MP/s. Network, one "
              f"thread: {speed['cnn_s_per_slice']:.3f} CPU s per 512² slice ({speed['planes']} "
              "planes and the depth of field in, 1 probability out)."]
    planes, side = (8, 512) if quick else (64, 2048)
    memory = run_worker("napari_inverse.benchmarks.focus_memory",
                        {"planes": planes, "side": side}, "focus memory")
    lines.append(f"Peak memory of `segment_focus(stack, 'weak')` on a lazy {planes} × {side}² "
                 f"float32 stack ({memory['stack_bytes'] / 2**20:.0f} MiB, read slice by "
                 f"slice): {(memory['peak_rss'] - memory['baseline_rss']) / 2**20:.0f} MiB "
                 f"above the interpreter's, of which the returned boolean mask is "
                 f"{memory['mask_bytes'] / 2**20:.0f} MiB; {memory['seconds']:.0f} s.")
    return "\n".join(lines) + "\n"


def _real_volume_line(folder: Path) -> str:
    from ..methods import segment_focus
    from .real_volume import OPTICS, reimaged_volume

    stack, known = reimaged_volume(folder)
    depth = segment_focus(stack, "weak").extras["depth_planes"]
    seen = np.isfinite(depth) & np.isfinite(known)
    error = np.abs(depth - known)[seen]
    shuffled = np.abs(np.random.default_rng(0).permutation(depth[seen]) - known[seen])
    return (f"Real volume (stardist img3d.tif nuclei re-imaged at NA {OPTICS.na}, planes "
            f"{OPTICS.z_step_nm:.0f} nm apart): depth error median {np.median(error):.2f} "
            f"planes, {np.mean(error < 2.5):.0%} within half the depth of field (2.5 planes), "
            f"on {seen.sum()} pixels; the same depths shuffled across pixels: median "
            f"{np.median(shuffled):.2f} planes, {np.mean(shuffled < 2.5):.0%}.")
