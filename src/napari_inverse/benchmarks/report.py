"""Benchmark results as a markdown table and report, with the machine they were measured on."""
from __future__ import annotations

import datetime
import math
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Optional

from .cases import (LEARNED_TITLES, MEASURED_REFERENCE_MRBCR, NA, PIXEL_SIZE_NM,
                    REFERENCE_SPEEDUP, WAVELENGTH_NM, Z_STEP_NM, BenchCase)
from .measure import Measurement

_MIB = 2**20


def machine_description() -> dict[str, str]:
    """CPU model, core count and library versions, so numbers can be compared across machines."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            names = [line.split(":", 1)[1].strip() for line in info
                     if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    versions = {name: _version(name) for name in ("torch", "numpy", "scipy", "scikit-image")}
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu}{_cpu_family()}, {os.cpu_count()} logical cores, "
               f"torch CPU capability {cpu_capability()}, {torch_threads()}",
        "python": platform.python_version(),
        "code": _code_version(),
        "load": load_average(),
        **versions,
    }


def _cpu_family() -> str:
    """' (family F, model M)' from /proc/cpuinfo: "AMD EPYC" alone names every Zen generation."""
    try:
        with open("/proc/cpuinfo") as info:
            fields = dict(line.split(":", 1) for line in info.read().split("\n\n")[0].splitlines()
                          if ":" in line)
        fields = {k.strip(): v.strip() for k, v in fields.items()}
        return f" (family {fields['cpu family']}, model {fields['model']})"
    except (OSError, KeyError, ValueError):
        return ""


def torch_threads() -> str:
    """'torch on N thread(s)': what every timing ran with (``bench --threads``)."""
    import torch

    threads = torch.get_num_threads()
    return f"torch on {threads} thread{'s' if threads != 1 else ''}"


def cpu_capability() -> str:
    """The vector instruction set torch's kernels use here (AVX2, AVX512, …)."""
    import torch

    return torch.backends.cpu.get_cpu_capability()


def reference_timing():
    """The TensorFlow reference's timing on this kind of CPU, or None where it was never timed."""
    return MEASURED_REFERENCE_MRBCR.get(cpu_capability())


def load_average() -> str:
    """The 1-minute load average: other work on the machine slows every number down."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):
        return "unknown"


def _code_version() -> str:
    """napari-inverse version, plus the git commit (and whether it was edited) in a checkout."""
    from .. import __version__

    root = Path(__file__).resolve().parents[3]
    try:
        commit = _git(root, "rev-parse", "--short", "HEAD")
        dirty = _git(root, "status", "--porcelain", "src")
    except (OSError, subprocess.SubprocessError):
        return __version__
    return f"{__version__}, commit {commit}" + (" with uncommitted changes" if dirty else "")


def results_table(rows: list[tuple[BenchCase, Measurement, Optional[Measurement]]]) -> str:
    """One markdown row per case: our seconds and peak RSS, scikit-image's, and the speed-up;
    with the seconds of a trained model already built when any case has them."""
    kept = any(ours.kept_seconds is not None for _, ours, _ in rows)
    lines = [
        "| case | PSF | device (threads) | tiles | seconds (runs) | MP/s "
        + ("| seconds, model kept (runs) " if kept else "")
        + "| peak RSS | load | scikit-image seconds (runs) | scikit-image peak RSS | load "
        "| speed-up |",
        "|---|---|---|---:|---:|---:|" + ("---:|" if kept else "")
        + "---:|---:|---:|---:|---:|---:|",
    ]
    for case, ours, theirs in rows:
        psf = ("—" if case.learned else
               "×".join(map(str, case.psf_shape)) if case.psf_shape else "widefield 3-D")
        sk_seconds, sk_rss, sk_load, speedup = "—", "—", "—", "—"
        if theirs is not None and theirs.skipped:
            sk_seconds = f"skipped: {theirs.skipped}"
        elif theirs is not None:
            sk_seconds, sk_rss = f"{theirs.seconds:.2f} ({theirs.runs})", mib(theirs.peak_rss)
            sk_load = f"{theirs.load:.1f}"
            speedup = f"{theirs.seconds / ours.seconds:.1f}×"
        lines.append(
            f"| {case.label} | {psf} | {_device(ours)} | {ours.tiles} "
            f"| {ours.seconds:.2f} ({ours.runs}) | {_megapixels(case) / ours.seconds:.3f} "
            + (f"| {_seconds(ours.kept_seconds, ours.kept_runs)} " if kept else "")
            + f"| {mib(ours.peak_rss)} | {ours.load:.1f} "
            f"| {sk_seconds} | {sk_rss} | {sk_load} | {speedup} |"
        )
    return "\n".join(lines)


def target_lines(rows: list[tuple[BenchCase, Measurement, Optional[Measurement]]]) -> list[str]:
    """Plain statements of whether each case met its speed or memory target."""
    lines = []
    for case, ours, theirs in rows:
        lines += _not_slower_lines(case, ours, rows)
        if case.speedup_target and theirs is not None and not theirs.skipped:
            ratio = theirs.seconds / ours.seconds
            verdict = "met" if ratio >= case.speedup_target else "NOT met"
            lines.append(f"- {case.label}: {ratio:.1f}× faster than scikit-image "
                         f"(target ≥ {case.speedup_target:g}×): **{verdict}**")
        if case.throughput_target_mp_s and ours.seconds:
            rate = _megapixels(case) / ours.seconds
            verdict = "met" if rate >= case.throughput_target_mp_s else "NOT met"
            lines.append(f"- {case.label}: {rate:.3f} MP/s (target ≥ "
                         f"{case.throughput_target_mp_s:.2f} MP/s, {REFERENCE_SPEEDUP:g}× the "
                         f"reference's quoted throughput): **{verdict}**")
        reference = reference_timing()
        if case.compare_reference and ours.seconds and reference is None:
            lines.append(f"- {case.label}: the TensorFlow reference was never timed on this kind "
                         "of CPU (`scripts/time_tf_reference.py`), so no ratio to it")
        elif case.compare_reference and ours.seconds:
            ratio = _megapixels(case) / ours.seconds / reference.mp_s
            verdict = "met" if ratio >= REFERENCE_SPEEDUP else "NOT met"
            lines.append(f"- {case.label}: {ratio:.2f}× the throughput of the TensorFlow "
                         f"reference as timed on the same kind of CPU, a {reference.cpu} "
                         f"({reference.mp_s:.4f} MP/s; target ≥ {REFERENCE_SPEEDUP:g}×): "
                         f"**{verdict}**")
        if case.memory_limit_gb:
            peak_gb = ours.peak_rss / 1e9
            verdict = "met" if peak_gb < case.memory_limit_gb else "NOT met"
            lines.append(f"- {case.label}: peak RSS {peak_gb:.2f} GB "
                         f"(limit {case.memory_limit_gb:g} GB): **{verdict}**")
    return lines


def _not_slower_lines(case: BenchCase, ours: Measurement, rows) -> list[str]:
    """Whether ``case`` was as fast as its rival of the same shape: as a session's first call
    and, where both were timed so, with the model already built (every later call)."""
    rival = next((m for c, m, _ in rows if (c.method, c.shape, c.precision)
                  == (case.not_slower_than, case.shape, case.precision)), None)
    if rival is None:
        return []
    lines = []
    for what, mine, theirs in (("first call", ours.seconds, rival.seconds),
                               ("model kept", ours.kept_seconds, rival.kept_seconds)):
        if mine and theirs:
            verdict = "met" if mine <= theirs else "NOT met"
            lines.append(f"- {case.label}, {what}: {mine:.2f} s against "
                         f"{LEARNED_TITLES[case.not_slower_than]}'s {theirs:.2f} s "
                         f"({theirs / mine:.2f}× its speed; target: not slower): **{verdict}**")
    return lines


def _device(run: Measurement) -> str:
    """'cpu (2)', and the number format a trained network ran in: 'cpu (2), bfloat16'."""
    precision = f", {run.precision}" if run.precision else ""
    return f"{run.device} ({run.threads}){precision}"


def _seconds(seconds: Optional[float], runs: Optional[int]) -> str:
    return "—" if seconds is None else f"{seconds:.2f} ({runs})"


def markdown_report(command: str, machine: dict[str, str], rows, quick: bool,
                    learned: bool = False) -> str:
    ours = [m for _, m, _ in rows]
    theirs = [t for _, _, t in rows if t is not None and not t.skipped]
    baseline = max(m.baseline_rss for m in ours)
    sk_baseline = max((t.baseline_rss for t in theirs), default=None)
    title = "## Learned models: speed and memory" if learned else "## Speed and memory"
    parts = [
        title + (" (quick smoke test: tiny images, not representative)" if quick else ""),
        "",
        f"Measured with `{command}` on {machine['date']}.",
        "",
        f"- CPU: {machine['cpu']}. The 1-minute load average was {machine['load']} at the start "
        f"and {machine['load_after']} at the end; the load columns give it as each case "
        "ended: near the worker's thread count it ran alone, above that other programs "
        "shared the CPU and slowed it down.",
        f"- napari-inverse {machine['code']}",
        f"- Python {machine['python']}, torch {machine['torch']}, numpy {machine['numpy']}, "
        f"scipy {machine['scipy']}, scikit-image {machine['scikit-image']}",
        f"- Images: simulated widefield filaments, NA {NA:g}, {WAVELENGTH_NM:g} nm, "
        f"{PIXEL_SIZE_NM:g} nm pixels, {Z_STEP_NM:g} nm between planes in 3-D; the same image "
        "and PSF go to both libraries.",
        *(["- Learned models: the shipped m-rBCR, s-rBCR and CARE through `deconvolve(image, "
            "method, optics=…)`, which normalises, tiles (balanced tiles of at most 768², "
            "32-pixel halo) and maps back, in the number format `precision=\"auto\"` picks "
            "(bfloat16 on a CPU with AVX512-BF16 or AMX, float32 elsewhere; the device column "
            "names it); rows marked float32 force that format. The TensorFlow reference "
            "m-rBCR (debcr 0.1.0) is quoted at 2048² in 14.7 s (0.28 MP/s) with 6.4 GB; timed here "
            "(`scripts/time_tf_reference.py`, TF 2.12.1) it ran 2048² at "
            + "; ".join(f"{t.mp_s} MP/s with {t.peak_gb:g} GB on a {t.cpu} ({t.date})"
                        for t in MEASURED_REFERENCE_MRBCR.values()) + "."] if learned else []),
        "- Each case is one fresh Python process; seconds are the deconvolution call alone "
        "(PSF given, image already on disk), the fastest of the runs in brackets (up to 3, "
        "within 20 s), each as a session's first call: the model a verb shares between calls is "
        "built and the heap it keeps for 3 s is returned before every run. "
        + ("'Model kept' times a trained model's later calls, as every click after a session's "
           "first: the shared network kept, the heap still returned before each run (not timed "
           "where one call takes over 20 s: building the model is then under 1 % of it). "
           if learned else "")
        + "scikit-image is "
        "`skimage.restoration.richardson_lucy(image, psf, num_iter=30, clip=False)`, which runs "
        "its FFTs on one thread.",
        f"- Peak RSS is the process's absolute high-water mark (VmHWM), including the idle "
        f"interpreter: {mib(baseline)} with torch and napari-inverse imported"
        + (f", {mib(sk_baseline)} with scikit-image imported." if sk_baseline else "."),
        "",
        results_table(rows),
        "",
    ]
    targets = target_lines(rows)
    if targets:
        parts += ["### Targets", "", *targets, ""]
    return "\n".join(parts)


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          timeout=10, check=True)
    return done.stdout.strip()


def _megapixels(case: BenchCase) -> float:
    return math.prod(case.shape) / 1e6


def mib(size: Optional[int]) -> str:
    return "—" if size is None else f"{size / _MIB:,.0f} MiB"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"
