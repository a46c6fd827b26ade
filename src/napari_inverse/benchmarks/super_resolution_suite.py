"""The super-resolution suite: the shipped diffusion models (CVDM, and ZMD: CVDM around a mean
network) beside classical deconvolution and CARE-SR on held-out simulated widefield → SIM-like
pairs, their uncertainty's calibration there and on unseen optics, what fewer sampling steps
cost, and the seconds per sampling step at 256² and 512².

``evaluate`` gathers the figures (``scripts/evaluate_cvdm.py`` stores them as JSON after fitting
a model's calibration); ``run_super_resolution_suite`` writes them as a report section.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from ..methods.super_resolve import METHODS
from .super_resolution import (HELD_OUT_SEED_BASE, UNSEEN_RANGES, calibration_figures,
                               quality_table, restore_pairs, sample_pairs, super_resolution_set)

CARE_SR_MODEL = "care-widefield-sr"  # CARE on the same pairs: the regression baseline
UNSEEN_SEED_BASE = HELD_OUT_SEED_BASE + 500_000
NAMES = {"cvdm": "CVDM", "zmd": "ZMD"}
TITLES = {"CARE-SR": f"CARE-SR (`{CARE_SR_MODEL}`: same pairs, U-Net size and batch)",
          "richardson_lucy": "Richardson–Lucy (auto iterations)", "wiener": "Wiener"}
SETS = {"held_out": "held out", "held_out_physics": "held out, with PI-DDPM guidance",
        "unseen_optics": "unseen optics"}


@dataclass(frozen=True)
class Settings:
    """How many held-out pairs of which size, sampled how, and which step counts and sizes to
    time (``timed_steps`` sampling steps after a one-step warm-up)."""

    pairs: int = 10
    size: int = 128
    samples: int = 8
    steps: int = 25
    sweep: tuple[int, ...] = (10, 25, 50, 199)
    timing_sizes: tuple[int, ...] = (256, 512)
    timed_steps: int = 4


QUICK = Settings(pairs=1, size=64, samples=2, steps=2, sweep=(), timing_sizes=(256,),
                 timed_steps=1)


def evaluate(models: dict[str, str] = METHODS, settings: Settings = Settings(),
             device: str = "auto", say=print) -> dict:
    """Per method → model of ``models``: quality and calibration (held out, with guidance,
    unseen optics), step sweep and timing; CARE-SR and the classical methods beside them."""
    shape = (settings.size, settings.size)
    common = dict(samples=settings.samples, steps=settings.steps, device=device)
    report: dict = {"pairs": settings.pairs, "shape": list(shape), "samples": settings.samples,
                    "steps": settings.steps, "models": dict(models), "calibration": {},
                    "seconds_per_image": {}, "step_sweep": {}, "seconds_per_step": {}}
    held_out = super_resolution_set(HELD_OUT_SEED_BASE, settings.pairs, shape)
    unseen = super_resolution_set(UNSEEN_SEED_BASE, settings.pairs, shape, UNSEEN_RANGES)
    means = {}
    for method, model in models.items():
        name = NAMES[method]
        plain = sample_pairs(held_out, model, method=method, **common)
        guided = sample_pairs(held_out, model, method=method, physics=True, **common)
        means[f"{name} mean"], means[f"{name} mean + PI-DDPM guidance"] = plain, guided
        report["seconds_per_image"][method] = {"plain": plain.seconds / settings.pairs,
                                               "physics": guided.seconds / settings.pairs}
        report["calibration"][method] = {
            "held_out": calibration_figures(held_out, plain),
            "held_out_physics": calibration_figures(held_out, guided),
            "unseen_optics": calibration_figures(
                unseen, sample_pairs(unseen, model, method=method, **common))}
        say(f"{name}: Spearman held out {report['calibration'][method]['held_out']['spearman']:.2f}"
            f", unseen {report['calibration'][method]['unseen_optics']['spearman']:.2f}")
        report["step_sweep"][method] = step_sweep(held_out[:2], model, method, settings, device)
        report["seconds_per_step"][method] = {
            size: seconds_per_step(model, method, size, settings.samples, settings.timed_steps,
                                   device)
            for size in settings.timing_sizes}
        say(f"{name}: sweep {report['step_sweep'][method]}, seconds per step "
            f"{report['seconds_per_step'][method]}")
    report["quality"] = quality_table(held_out, means,
                                      {"CARE-SR": restore_pairs(held_out, CARE_SR_MODEL, device)})
    say(f"held out: {report['quality']}")
    return report


def step_sweep(pairs, model: str, method: str, settings: Settings, device: str) -> dict:
    """PSNR and seconds per image of the mean at each step count of ``settings.sweep``."""
    from ..metrics import psnr

    sweep = {}
    for steps in settings.sweep:
        result = sample_pairs(pairs, model, samples=settings.samples, steps=steps,
                              device=device, method=method)
        sweep[steps] = {"psnr_db": float(np.mean([psnr(p.target, m)
                                                  for p, m in zip(pairs, result.means)])),
                        "seconds_per_image": result.seconds / len(pairs)}
    return sweep


def seconds_per_step(model, method: str, size: int, samples: int, steps: int,
                     device: str) -> float:
    """Seconds per sampling step of ``samples`` samples of a ``size``² image as one batch."""
    from ..methods import super_resolve

    image = np.random.default_rng(0).poisson(50, (size, size)).astype(np.float32)
    super_resolve(image, method, model=model, samples=samples, steps=1, seed=0,
                  device=device)  # warm
    started = time.perf_counter()
    super_resolve(image, method, model=model, samples=samples, steps=steps, seed=0,
                  device=device)
    return (time.perf_counter() - started) / steps


def run_super_resolution_suite(quick: bool, device: str, command: str, say=print,
                               figure: Optional[Path] = None) -> str:
    """Evaluate the shipped models; draw the reliability diagram into ``figure``; return the
    markdown section."""
    from ..zoo.registry import find_model
    from .report import machine_description

    settings = QUICK if quick else Settings()
    machine = machine_description()
    report = evaluate(METHODS, settings, device, say)
    factors = ", ".join(
        f"`{model}` (factor {(find_model(model).card.calibration or {}).get('factor', 1.0):.2f})"
        for model in METHODS.values())
    if figure is not None:
        reliability_figure(report, figure)
    size = settings.size
    return "\n".join([
        "## Super-resolution: CVDM and its uncertainty"
        + (" (quick smoke test, not representative)" if quick else ""),
        "",
        f"Measured with `{command}` on {machine['date']} (CPU: {machine['cpu']}; load average "
        f"{machine['load']} at the start: other jobs shared this CPU; napari-inverse "
        f"{machine['code']}, torch {machine['torch']}). Models {factors} with the calibration "
        f"factors of their cards; {settings.samples} samples × {settings.steps} "
        f"steps, device `{device}`. {settings.pairs} simulated widefield → SIM-like pairs of "
        f"{size}² (NA 0.8–1.49, 450–650 nm, 0.5–1.2× the SIM Nyquist pixel, 100–1000 photons, "
        f"six structures; seeds from {HELD_OUT_SEED_BASE:,}, never trained or calibrated on); "
        f"unseen optics: {settings.pairs} pairs with NA 0.7–0.8, 650–700 nm, 50–100 photons "
        f"(seeds from {UNSEEN_SEED_BASE:,}). PSNR against the SIM-like truth (mean), "
        "decorrelation resolution (median).",
        "",
        quality_markdown(report["quality"]),
        "",
        calibration_markdown(report),
        "",
        *timing_lines(report, settings),
        "",
        *([] if quick else checks(report)),
    ])


def quality_markdown(quality: dict) -> str:
    lines = ["| held-out pairs | PSNR (dB) | decorrelation resolution (nm) |", "|---|---|---|"]
    for name, row in quality.items():
        score = "—" if np.isinf(row["psnr_db"]) else f"{row['psnr_db']:.2f}"
        lines.append(f"| {TITLES.get(name, name)} | {score} | {row['resolution_nm']:.0f} |")
    return "\n".join(lines)


def calibration_markdown(report: dict) -> str:
    """Spearman σ vs |error|, ±2σ coverage and the reliability curve per model and set."""
    first = next(iter(report["calibration"].values()))["held_out"]
    lines = ["| model, pairs | Spearman σ vs \\|error\\| | ±2σ coverage | coverage at k = "
             + " / ".join(f"{k:g}" for k in first["curve_k"]) + " (Gaussian: "
             + " / ".join(f"{100 * e:.1f}" for e in first["curve_expected"])
             + " %) |", "|---|---|---|---|"]
    for method, sets in report["calibration"].items():
        for key, label in SETS.items():
            figures = sets[key]
            lines.append(f"| {NAMES[method]}, {label} | {figures['spearman']:.2f} | "
                         f"{100 * figures['coverage_2sigma']:.1f} % | "
                         + " / ".join(f"{100 * o:.1f}" for o in figures["curve_observed"])
                         + " % |")
    return "\n".join(lines)


def timing_lines(report: dict, settings: Settings) -> list[str]:
    lines = []
    for method, seconds in report["seconds_per_image"].items():
        name = NAMES[method]
        lines.append(f"{name}: seconds per {settings.size}² image ({settings.samples} × "
                     f"{settings.steps}): {seconds['plain']:.1f} plain, "
                     f"{seconds['physics']:.1f} with guidance.")
        if report["step_sweep"][method]:
            lines.append(f"{name}: sampling steps (2 held-out pairs): " + ", ".join(
                f"{steps} steps {row['psnr_db']:.2f} dB in {row['seconds_per_image']:.1f} s"
                for steps, row in report["step_sweep"][method].items()) + ".")
        timings = ", ".join(f"{value:.2f} s at {size}²"
                            for size, value in report["seconds_per_step"][method].items())
        lines.append(f"{name}: seconds per sampling step, {settings.samples} samples as one "
                     f"batch: {timings}.")
    return lines


def checks(report: dict) -> list[str]:
    """Issue 22's targets that this suite can judge, each stated as met or not, per model."""
    quality = report["quality"]
    best = max(quality[m]["psnr_db"] for m in ("richardson_lucy", "wiener"))
    care = quality["CARE-SR"]
    lines = []
    for method, sets in report["calibration"].items():
        name = NAMES[method]
        ours = quality[f"{name} mean"]
        lines += [_claim(ours["psnr_db"] >= best + 1.5, f"{name} mean ≥ best classical + 1.5 dB:"
                         f" {ours['psnr_db']:.2f} against {best:.2f} dB"),
                  _claim(ours["psnr_db"] >= care["psnr_db"] - 0.5, f"{name} mean within 0.5 dB "
                         f"of CARE-SR (or above): {ours['psnr_db']:.2f} against "
                         f"{care['psnr_db']:.2f} dB"),
                  _claim(ours["resolution_nm"] < care["resolution_nm"],
                         f"{name}'s decorrelation resolution finer than CARE-SR's: "
                         f"{ours['resolution_nm']:.0f} against {care['resolution_nm']:.0f} nm")]
        for key in ("held_out", "unseen_optics"):
            figures, label = sets[key], SETS[key]
            lines.append(_claim(figures["spearman"] >= 0.4,
                                f"{name}, Spearman ≥ 0.4, {label}: {figures['spearman']:.2f}"))
            lines.append(_claim(0.90 <= figures["coverage_2sigma"] <= 0.98,
                                f"{name}, ±2σ coverage within 90–98 %, {label}: "
                                f"{100 * figures['coverage_2sigma']:.1f} %"))
        if 256 in report["seconds_per_step"][method]:
            total = report["seconds_per_step"][method][256] * 25
            lines.append(_claim(total < 30, f"{name}, 8 × 25 steps of 256² under 30 s: "
                                f"{total:.1f} s"))
    return lines


def _claim(met: bool, what: str) -> str:
    return f"- {'✅' if met else '❌'} {what}"


def reliability_figure(report: dict, path: Path) -> None:
    """Observed against expected coverage of ±kσ, k = 0.5 … 3, held out and unseen optics."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(4.2, 4.0), dpi=120)
    axis.plot([0, 1], [0, 1], color="grey", lw=1, label="perfectly calibrated")
    for method, sets in report["calibration"].items():
        for key in ("held_out", "unseen_optics"):
            figures = sets[key]
            axis.plot(figures["curve_expected"], figures["curve_observed"], "o-",
                      label=f"{NAMES[method]}, {SETS[key]} (ρ={figures['spearman']:.2f})")
    axis.set_xlabel("expected coverage of ±kσ (Gaussian)")
    axis.set_ylabel("observed coverage")
    axis.set_title("Diffusion uncertainty, k = 0.5 … 3")
    axis.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
