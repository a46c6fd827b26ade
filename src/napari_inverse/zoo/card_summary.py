"""A model card as a few lines of plain text: what the model was trained for, how well it did and
on which hardware, for a picker's tooltip or a command's listing.

A biologist judges fit from the training ranges (modality, sampling, NA, emission, photons), so
those come first; the figures and the hardware follow, read from the card and never restated.
"""
from __future__ import annotations

from typing import Optional

from .card import ModelCard


def card_summary(card: ModelCard, na: Optional[float] = None,
                 wavelength_nm: Optional[float] = None) -> str:
    """Plain text lines describing ``card``; with ``na`` and ``wavelength_nm`` the pixel sizes
    the model takes on that microscope are spelled out in nm, as the dock's field is."""
    optics = card.optics or {}
    lines = [f"{card.name}: {card.task} of {card.modality}"]
    if card.description:
        lines.append(card.description)
    lines.append(f"pixel size: {_sampling(card, na, wavelength_nm)}")
    for label, key, unit in (("NA", "na", ""), ("emission λ", "wavelength_nm", " nm"),
                             ("noise", "photons", " photons"),
                             ("background", "background", " photons")):
        if optics.get(key) is not None:
            lines.append(f"{label}: {_span(optics[key])}{unit}")
    lines.extend(metric_lines(card.metrics or {}))
    lines.extend(_hardware(card))
    return "\n".join(lines)


def _sampling(card: ModelCard, na: Optional[float], wavelength_nm: Optional[float]) -> str:
    if card.pixel_size_nm:
        return f"{card.pixel_size_nm:g} nm"
    if not card.nyquist_fraction:
        return "not stated"
    low, high = card.nyquist_fraction
    text = f"{low:g}–{high:g}× Nyquist (λ / 4 NA)"
    if na and wavelength_nm:
        nyquist = wavelength_nm / (4.0 * na)
        text += (f", {low * nyquist:.0f}–{high * nyquist:.0f} nm "
                 f"at NA {na:g} and {wavelength_nm:g} nm")
    return text


def _span(value) -> str:
    """"0.8–1.49" for a [low, high] range, "1.4" for one value, the text itself otherwise."""
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return f"{_number(value[0])}–{_number(value[1])}"
    return _number(value)


def _number(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def metric_lines(metrics: dict) -> list[str]:
    """The validation PSNR and each benchmark set's PSNR the card records."""
    lines = []
    if isinstance(metrics.get("validation_psnr_db"), (int, float)):
        on = metrics.get("validation_images")
        lines.append(f"validation: {metrics['validation_psnr_db']:.1f} dB PSNR"
                     + (f" on {on}" if on else ""))
    bench = metrics.get("benchmark_psnr_db")
    if isinstance(bench, dict) and bench:
        sets = ", ".join(f"{_set_name(name)} {value:.1f}" for name, value in bench.items()
                         if isinstance(value, (int, float)))
        lines.append(f"benchmark PSNR (dB): {sets}")
    return lines


def _set_name(name: str) -> str:
    """"deconvolution/actin (16×256²)" → "actin": the task and size are the card's own."""
    return name.split("/", 1)[-1].split(" (", 1)[0]


def _hardware(card: ModelCard) -> list[str]:
    """Steps and hours per machine over the training stages (the card's own fields without any),
    the machine named without the remarks after its first ";"."""
    stages = [s for s in card.stages if isinstance(s, dict)] or [
        {"hardware": card.hardware, "steps": card.steps, "wall_time_s": card.wall_time_s}]
    machines: dict[str, list[float]] = {}
    for stage in stages:
        machine = str(stage.get("hardware") or "").split(";", 1)[0].strip()
        if machine:
            totals = machines.setdefault(machine, [0, 0.0])
            totals[0] += int(stage.get("steps") or 0)
            totals[1] += float(stage.get("wall_time_s") or 0.0)
    return [f"trained on {machine}: {steps:,} steps, {seconds / 3600:.1f} h"
            for machine, (steps, seconds) in machines.items()]
