"""Restoration quality on the benchmark sets: method × set → PSNR, SSIM, NRMSE, resolution, speed.

Every method is a :class:`BenchMethod`: how to restore one pair with given parameters, and the
candidate parameters to choose from on the validation set. Raw input, Wiener and
Richardson–Lucy (its count chosen on validation, and chosen per image by itself) come first,
then the shipped learned models (m-rBCR, s-rBCR, CARE).
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from ..metrics import decorrelation_analysis, nrmse, psnr, ssim
from ..optics import Optics
from ..simulate.pairs import Pair
from .datasets import BenchmarkSet

Restore = Callable[..., tuple[np.ndarray, str]]  # (image, optics, **params) -> (image, device)


@dataclass(frozen=True)
class BenchMethod:
    name: str
    restore: Restore
    candidates: Sequence[dict] = ({},)  # parameter sets tried on the validation set
    parameter_count: int = 0
    model: str = ""  # the zoo model a learned method runs


@dataclass
class QualityRow:
    method: str
    dataset: str
    parameters: dict
    psnr: float
    ssim: float
    nrmse: float
    resolution_nm: float
    seconds_per_megapixel: float
    device: str
    parameter_count: int
    per_image_psnr: list[float] = field(default_factory=list)


def _raw_input(image, optics, **_):
    return image, "—"


def _deconvolve(method: str):
    def restore(image, optics, **params):
        from ..methods import deconvolve

        result = deconvolve(image, method, optics=optics, device=params.pop("device", "auto"),
                            **params)
        precision = result.metadata.get("precision")  # a trained network's number format
        return result.image, result.metadata["device"] + (f", {precision}" if precision else "")
    return restore


def _learned(title: str, method: str, model: str) -> BenchMethod:
    """A shipped model as a user runs it; whether to accept the offer to resample an image
    whose pixels are outside the model's range is chosen on validation like any parameter
    (in range, resampling does nothing and the plain call is kept)."""
    from ..zoo import find_model

    def restore(image, optics, **params):
        return _deconvolve(method)(image, optics, model=model, **params)
    return BenchMethod(f"{title} ({model})", restore, candidates=({}, {"resample": True}),
                       parameter_count=find_model(model).card.parameter_count, model=model)


def learned_methods() -> tuple[BenchMethod, ...]:
    """The shipped deconvolution models, each scored exactly as a user would run it."""
    from ..methods.deconvolve import LEARNED_METHODS
    from ..zoo import FAMILIES

    return tuple(_learned(FAMILIES[method].title, method, model)
                 for method, model in LEARNED_METHODS.items())


CLASSICAL_METHODS = (
    BenchMethod("input (no restoration)", _raw_input),
    BenchMethod("Wiener (λ(f) measured)", _deconvolve("wiener")),
    BenchMethod("Richardson–Lucy", _deconvolve("richardson_lucy"),
                candidates=tuple({"iterations": n} for n in (1, 2, 3, 5, 10, 20, 30, 50, 80))),
    BenchMethod("Richardson–Lucy (auto)", _deconvolve("richardson_lucy"),
                candidates=({"iterations": "auto"},)),
)


def evaluate(method: BenchMethod, dataset: BenchmarkSet, device: str = "auto",
             measure_resolution: bool = True) -> QualityRow:
    """Choose ``method``'s parameters on the validation split, then score it on the test set."""
    parameters = _tune(method, _pairs(dataset.validation()), device)
    pairs = _pairs(dataset)
    scores, seconds, devices = [], 0.0, set()
    for pair in pairs:
        optics = Optics(**pair.metadata["optics"])
        started = time.perf_counter()
        restored, used = method.restore(pair.input, optics, device=device, **parameters)
        seconds += time.perf_counter() - started
        devices.add(used)
        scores.append(_score(pair, restored, optics.pixel_size_nm, measure_resolution))
    megapixels = sum(p.input.size for p in pairs) / 1e6
    means = np.mean(np.array(scores, dtype=float), axis=0)
    return QualityRow(method.name, dataset.name, parameters, *means[:4],
                      seconds / megapixels, ", ".join(sorted(devices)), method.parameter_count,
                      [s[0] for s in scores])


@functools.lru_cache(maxsize=None)
def _pairs(dataset) -> list[Pair]:
    """A set's pairs, simulated once per run however many methods are scored on them."""
    return dataset.pairs()


def _tune(method: BenchMethod, validation: list[Pair], device: str) -> dict:
    if len(method.candidates) == 1:
        return dict(method.candidates[0])
    def mean_psnr(parameters):
        return np.mean([psnr(p.target, method.restore(p.input, Optics(**p.metadata["optics"]),
                                                      device=device, **parameters)[0])
                        for p in validation])
    return dict(max(method.candidates, key=mean_psnr))


def _score(pair: Pair, restored: np.ndarray, pixel_size_nm: float, with_resolution: bool):
    truth = pair.target
    resolution = (decorrelation_analysis(restored, pixel_size_nm).resolution_nm
                  if with_resolution else float("nan"))
    return (psnr(truth, restored), ssim(truth, restored), nrmse(truth, restored), resolution)


def quality_table(rows: list[QualityRow]) -> str:
    """Markdown: one line per (set, method), sets in the order measured."""
    lines = ["| data set | method | chosen on validation | PSNR (dB) | SSIM | NRMSE "
             "| resolution (nm) | parameters | s / MP | device |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        chosen = ", ".join(f"{k} {v}" for k, v in row.parameters.items()) or "—"
        resolution = "—" if np.isnan(row.resolution_nm) else f"{row.resolution_nm:.0f}"
        lines.append(
            f"| {row.dataset} | {row.method} | {chosen} | {row.psnr:.2f} | {row.ssim:.3f} "
            f"| {row.nrmse:.4f} | {resolution} | {row.parameter_count:,} "
            f"| {row.seconds_per_megapixel:.2f} | {row.device} |")
    return "\n".join(lines)


def run_quality_suite(quick: bool, device: str, command: str, say=print,
                      real_image=None) -> str:
    """Score every method on every set; return the markdown section (command, notes, table).

    ``real_image`` (stardist's img2d.tif) adds the set made from a real micrograph.
    """
    from .datasets import BenchmarkSet, deconvolution_sets, oversampled_sets
    from .real_image import RealImageSet
    from .report import machine_description

    sets = (tuple(BenchmarkSet("deconvolution", s, 2, (64, 64), 1000 * (k + 1))
                  for k, s in enumerate(("microtubules", "ccp")))
            if quick else deconvolution_sets() + oversampled_sets())
    if real_image is not None:
        sets += (RealImageSet(real_image),)
    throughput = pair_throughput((64, 64) if quick else (256, 256), seconds=2.0 if quick else 20.0)
    say(f"pair builder: {throughput:.1f} pairs/s")
    machine = machine_description()
    rows, methods = [], CLASSICAL_METHODS + learned_methods()
    for dataset in sets:
        for method in methods:
            rows.append(evaluate(method, dataset, device, measure_resolution=not quick))
            say(f"{dataset.name} · {method.name}: PSNR {rows[-1].psnr:.2f} dB")
    return "\n".join([
        "## Restoration quality" + (" (quick smoke test, not representative)" if quick else ""),
        "",
        f"Measured with `{command}` on {machine['date']} (CPU: {machine['cpu']}; "
        f"napari-inverse {machine['code']}, torch {machine['torch']}). Each set is simulated "
        "from fixed seeds "
        "(`napari_inverse.benchmarks.datasets`): widefield images of one structure class, each "
        "through its own microscope drawn from NA 0.8–1.49, 450–650 nm, pixels 0.9–1.2× "
        "Nyquist, 100–1000 photons at the brightest point, Poisson and 1.6 e⁻ read noise; the "
        "target is the object (photons·x + background) on the same grid. Free parameters are "
        "chosen on a disjoint validation split (a quarter as many images, other seeds), never "
        "on the test images. PSNR, SSIM and NRMSE use the target's range as data range and are "
        "means over the images; resolution is decorrelation analysis (Descloux et al. 2019) of "
        "the output, in nm; s / MP counts the restoration call only. Learned models are the "
        "shipped ones (`napari_inverse.zoo`), run through the same `deconvolve` call a user "
        "makes, in the number format it picks (the device column names it: bfloat16 on a CPU "
        "that computes it natively); they were trained on pools from other seeds of the same "
        "simulator. The real-"
        "image set, when present, takes stardist's img2d.tif nuclei as the object and images "
        "it through three drawn microscopes (`benchmarks/real_image.py`). The sets marked "
        "0.55–0.7× Nyquist have pixels finer than the models were trained on (65 nm at NA 1.4 "
        "is 0.70×); there a learned model's 'chosen on validation' says whether resampling to "
        "its pixel size (`resample=True`, the dock's offer) was better than the plain call.",
        "",
        quality_table(rows),
        "",
        f"Simulated deconvolution pairs of {'64²' if quick else '256²'} (a new specimen and "
        f"microscope each, `simulate.deconvolution_pair`) are built at **{throughput:.1f} pairs "
        "per second** on one process of this machine, the rate on-the-fly training gets.",
    ])


def pair_throughput(shape: tuple[int, int], seconds: float) -> float:
    """Deconvolution pairs built per second over about ``seconds`` (each a new seed)."""
    from ..simulate.pairs import deconvolution_pair

    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        deconvolution_pair(count, shape)
        count += 1
    return count / (time.perf_counter() - started)
