"""Benchmarks on this machine: restoration quality on fixed simulated sets, the speed and
peak memory of each solver in a fresh process beside scikit-image on the same image, and the
training throughput of each shipped recipe, the accuracy, speed and memory of phase retrieval,
and CVDM super-resolution with the calibration of its uncertainty.

``napari-inverse bench`` calls :func:`run_benchmarks`; each suite writes its own section of
``docs/benchmarks.md`` (``document.py``); the speed workers live in ``worker.py``, the training
suite in ``training_speed.py`` with its worker in ``training_worker.py``.
"""
from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

DEFAULT_REPORT = Path("docs") / "benchmarks.md"
RELIABILITY = "cvdm-reliability.png"  # the super-resolution suite's diagram, beside the report


THREADS_ENV = "NAPARI_INVERSE_BENCH_THREADS"
"""``bench --threads`` for the worker processes (`measure.run_worker`)."""
SUITES = ("quality", "speed", "learned-speed", "training", "focus", "phase", "super-resolution")


def run_benchmarks(
    quick: bool = False, output: Optional[str] = None, device: str = "auto", command: str = "",
    suites: tuple[str, ...] = SUITES, real_image: Optional[str] = None,
    real_volume: Optional[str] = None, threads: Optional[int] = None,
) -> int:
    """Run the ``suites``, print their tables and write their report sections; return 0.

    The full run writes ``docs/benchmarks.md`` unless ``output`` says otherwise; ``quick``
    writes a report only when ``output`` is given, so a smoke test never overwrites real numbers.
    ``threads`` sets torch's CPU threads here and in every worker (None: torch's default).
    """
    with torch_threads(threads):
        return _run_suites(quick, output, device, command, suites, real_image, real_volume)


@contextmanager
def torch_threads(threads: Optional[int]) -> Iterator[None]:
    """Run torch on ``threads`` CPU threads in this process and, through :data:`THREADS_ENV`,
    in the worker processes it starts; both restored afterwards. None changes nothing."""
    if threads is None:
        yield
        return
    if threads < 1:
        from ..engine.validation import InvalidInput

        raise InvalidInput(f"--threads must be at least 1, got {threads}")
    import torch

    before, variable = torch.get_num_threads(), os.environ.get(THREADS_ENV)
    torch.set_num_threads(threads)
    os.environ[THREADS_ENV] = str(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)
        if variable is None:
            os.environ.pop(THREADS_ENV, None)
        else:
            os.environ[THREADS_ENV] = variable


def _run_suites(quick: bool, output: Optional[str], device: str, command: str,
                suites: tuple[str, ...], real_image: Optional[str],
                real_volume: Optional[str]) -> int:
    from .document import write_section

    target = Path(output) if output else (None if quick else DEFAULT_REPORT)
    command = command or "napari-inverse bench"
    if "quality" in suites:
        from .quality import run_quality_suite

        _printed_and_written(target, "quality", run_quality_suite(
            quick, device, command, say=_say, real_image=Path(real_image) if real_image else None))
    for suite in ("speed", "learned-speed"):
        if suite in suites:
            section = _run_speed_suite(quick, device, command, learned=suite != "speed")
            if target is not None:
                write_section(target, suite, section)
    if "training" in suites:
        from .training_speed import run_training_suite

        section = run_training_suite(quick, device, command, say=_say)
        if target is not None:
            write_section(target, "training", section)
    if "focus" in suites:
        from .focus import run_focus_suite

        volume = Path(real_volume) if real_volume else None
        _printed_and_written(target, "focus", run_focus_suite(quick, device, command, say=_say,
                                                              real_volume=volume))
    if "phase" in suites:
        from .phase_quality import run_phase_suite

        _printed_and_written(target, "phase", run_phase_suite(quick, device, command, say=_say))
    if "super-resolution" in suites:
        from .super_resolution_suite import run_super_resolution_suite

        figure = None if quick or target is None else target.parent / "images" / RELIABILITY
        _printed_and_written(target, "super-resolution", run_super_resolution_suite(
            quick, device, command, say=_say, figure=figure))
    if target is not None:
        print(f"report written to {target}")
    return 0


def _printed_and_written(target: Optional[Path], name: str, section: str) -> None:
    """Print a suite's section and write it into the report, when there is one."""
    from .document import write_section

    print(section)
    if target is not None:
        write_section(target, name, section)


def _run_speed_suite(quick: bool, device: str, command: str, learned: bool = False) -> str:
    """Time every speed case in fresh processes; print the table; return the report section.

    ``learned`` times the shipped networks instead of the classical solvers.
    """
    from .cases import (FULL_CASES, QUICK_CASES, QUICK_LEARNED_CASES, SKIMAGE_TIME_LIMIT_S,
                        learned_cases)
    from .measure import measure, prepare_inputs
    from .report import (
        load_average, machine_description, markdown_report, results_table, target_lines,
    )

    if learned:
        cases = QUICK_LEARNED_CASES if quick else learned_cases(device)
    else:
        cases = QUICK_CASES if quick else FULL_CASES
    runs = 1 if quick else 3  # the smoke test checks that everything runs, not how fast
    machine = machine_description()
    rows = []
    with tempfile.TemporaryDirectory(prefix="napari-inverse-bench-") as folder:
        _say(f"simulating {len(cases)} input images …")
        paths = prepare_inputs(cases, Path(folder))
        for number, case in enumerate(cases, 1):
            image, psf = paths[case]
            ours = measure(case, image, psf, "napari-inverse", device, max_runs=runs)
            _say(f"[{number}/{len(cases)}] {case.label}: {ours.seconds:.2f} s, "
                 f"peak {ours.peak_rss / 2**20:,.0f} MiB")
            theirs = None
            if case.compare_skimage:
                theirs = measure(case, image, psf, "scikit-image",
                                 timeout_s=SKIMAGE_TIME_LIMIT_S, max_runs=runs)
                _say("      scikit-image: " + (f"skipped ({theirs.skipped})" if theirs.skipped
                     else f"{theirs.seconds:.2f} s, peak {theirs.peak_rss / 2**20:,.0f} MiB"))
            rows.append((case, ours, theirs))
    print(results_table(rows))
    for line in target_lines(rows):
        print(line)
    machine["load_after"] = load_average()
    return markdown_report(command, machine, rows, quick, learned)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
