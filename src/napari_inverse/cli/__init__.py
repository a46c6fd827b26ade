"""The ``napari-inverse`` command: thin subcommands over the same verbs napari and Python use.

Each command is one module here that adds its parser and runs it; heavy modules (torch, the
verbs, napari) are imported only when a command runs, so ``--help`` is instant. Bad input ends
with exit status 2 and one line ``napari-inverse: error: <reason>``; Ctrl-C stops a job at its
next iteration with status 130.
"""
from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from typing import Optional, Sequence

from . import bench, deconvolve, demo, denoise, focus, models, phase, super_resolve, train
from ._common import (
    EXIT_BAD_INPUT,
    EXIT_CANCELLED,
    FILE_ARGUMENTS,
    PROG,
    Parser,
    UsageError,
    error_message,
    fail,
    held_log_records,
    warn,
)

COMMANDS = (deconvolve, denoise, super_resolve, phase, focus, demo, bench, train, models)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog=PROG, description="Computational microscopy from the command line.")
    commands = parser.add_subparsers(dest="command", title="commands", parser_class=Parser,
                                     required=True)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as error:
        return fail(str(error), EXIT_BAD_INPUT)
    except SystemExit as done:  # --help
        return int(done.code or 0)
    args.command_line = " ".join([PROG, *argv])
    with held_log_records("tifffile") as records:
        try:
            status = _run(args)
        except KeyboardInterrupt:
            return fail("cancelled", EXIT_CANCELLED)
        except Exception as error:
            files = [getattr(args, name) for name in FILE_ARGUMENTS if getattr(args, name, None)]
            failure = error_message(error, files)
            if failure is None:
                raise
            return fail(*failure)
    for record in records:
        warn(record.getMessage())
    return status


def _run(args: argparse.Namespace) -> int:
    from ..engine import CancelToken
    from ..engine.memory import allow_allocator_tuning

    cancel = CancelToken()
    tuned_before = allow_allocator_tuning()  # a command is a batch job: see engine.memory
    try:
        with _interrupt_cancels(cancel):
            return args.run(args, cancel)
    finally:
        allow_allocator_tuning(tuned_before)


@contextlib.contextmanager
def _interrupt_cancels(cancel):
    """While a job runs, the first Ctrl-C sets ``cancel`` (the verb stops at its next step);
    a second one interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_interrupt(signum, frame):
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
