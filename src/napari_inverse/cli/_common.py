"""What every command shares: exit codes, the one-line error messages and the progress bar.

Only the standard library is imported here, so ``--help`` stays instant. An error the user can
act on (bad input, a damaged or unreadable file, a cancelled job) becomes one line on stderr;
anything else keeps its traceback, since it is a bug to report.
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import struct
import sys
import time
import zlib
from typing import Iterator, Optional, Sequence, TextIO

PROG = "napari-inverse"
EXIT_BAD_INPUT = 2
EXIT_CANCELLED = 130
# Arguments that name files a command reads, for messages about a file that cannot be decoded.
FILE_ARGUMENTS = ("input", "target", "psf", "real_image")
_MEMORY_HINT = ("out of memory; process a crop or fewer time points, run on the CPU (--device cpu) "
                "when a GPU ran out, or use a larger machine")


class UsageError(ValueError):
    """The command line itself is wrong (unknown flag, missing argument)."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (argparse would print the usage too)."""

    def error(self, message: str):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def fail(message: str, code: int) -> int:
    """Print ``message`` as one line on stderr and return ``code``."""
    line = " ".join(message.split())
    print(f"{PROG}: {line}" if code == EXIT_CANCELLED else f"{PROG}: error: {line}",
          file=sys.stderr)
    return code


def warn(message: str) -> None:
    print(f"{PROG}: warning: {' '.join(message.split())}", file=sys.stderr)


def say(line: str) -> None:
    """One progress line on stderr (stdout stays free for results)."""
    print(line, file=sys.stderr, flush=True)


def error_message(error: Exception, files: Sequence[str]) -> Optional[tuple[str, int]]:
    """The message and exit status for an error the user can act on; None for a bug.

    ``files`` are the files the command reads, named when a decoder fails outside the reader
    (a lazily read plane is decoded while the verb runs).
    """
    from ..engine import Cancelled

    if isinstance(error, Cancelled):
        return str(error) or "cancelled", EXIT_CANCELLED
    if is_damaged_file_error(error):
        named = " or ".join(f"'{name}'" for name in files) or "a file"
        from ..io.tiff_reader import damaged_file_message

        return damaged_file_message(named, error), EXIT_BAD_INPUT
    if isinstance(error, ValueError):
        return str(error) or type(error).__name__, EXIT_BAD_INPUT
    if isinstance(error, OSError):
        return os_error_message(error), EXIT_BAD_INPUT
    if _out_of_memory(error):
        return _MEMORY_HINT, EXIT_BAD_INPUT
    return None


def is_damaged_file_error(error: Exception) -> bool:
    """What a decoder raises on a damaged file: zlib's and imagecodecs' errors, tifffile's,
    and those of a header cut short."""
    package = type(error).__module__.split(".")[0]
    return (isinstance(error, (zlib.error, struct.error, EOFError))
            or package in ("tifffile", "imagecodecs"))


def os_error_message(error: OSError) -> str:
    """The system's reason and the file it concerns, without Python's ``[Errno N]``."""
    if error.strerror is None:
        return str(error) or type(error).__name__
    files = [f"'{name}'" for name in (error.filename, error.filename2) if name is not None]
    return f"{error.strerror}: {' → '.join(files)}" if files else error.strerror


def _out_of_memory(error: Exception) -> bool:
    """Host memory, or an accelerator's (torch's OutOfMemoryError is a RuntimeError)."""
    torch = sys.modules.get("torch")  # loaded by whatever ran out of device memory
    return isinstance(error, MemoryError) or (
        torch is not None and isinstance(error, torch.OutOfMemoryError))


@contextlib.contextmanager
def held_log_records(name: str) -> Iterator[list[logging.LogRecord]]:
    """Keep what logger ``name`` reports (tifffile warns about odd tags on stderr) in the
    yielded list instead of printing it, so that an error stays one line."""
    handler = _Keep()
    logger = logging.getLogger(name)
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_WIDTH = 30
_MIN_INTERVAL_S = 0.1


class ProgressBar:
    """Callable as ``progress(done, total, message)``; used as ``with ProgressBar() as bar:``,
    or call :meth:`close` when the job ends.

    On a terminal it redraws one line at most ten times a second; when stderr is a file or a
    pipe (CI logs) it writes only the final line, so logs stay readable.
    """

    def __init__(self, stream: Optional[TextIO] = None, label: str = "") -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self._interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self._started = time.monotonic()
        self._last_draw = float("-inf")
        self._line = ""
        self._drawn_width = 0

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        self.close(completed=error_type is None)

    def __call__(self, done: int, total: int, message: str = "") -> None:
        now = time.monotonic()
        self._line = self._render(done, total, message, now - self._started)
        if self._interactive and (now - self._last_draw >= _MIN_INTERVAL_S or done >= total):
            self._last_draw = now
            self._redraw()

    def close(self, completed: bool = True) -> None:
        """End the bar's line on a terminal; in logs write the final state, if the job completed.

        A failed job leaves logs with nothing but its error message.
        """
        if self._line and (self._interactive or completed):
            if self._interactive:
                self._redraw()
            else:
                self.stream.write(self._line)
            self.stream.write("\n")
            self.stream.flush()
        self._line = ""
        self._drawn_width = 0

    def _redraw(self) -> None:
        # Pad with spaces so a shorter line fully covers the longer one drawn before it.
        padding = " " * max(self._drawn_width - len(self._line), 0)
        self.stream.write("\r" + self._line + padding)
        self.stream.flush()
        self._drawn_width = len(self._line)

    def _render(self, done: int, total: int, message: str, elapsed: float) -> str:
        fraction = min(max(done / max(total, 1), 0.0), 1.0)
        filled = int(round(fraction * _WIDTH))
        bar = "#" * filled + "-" * (_WIDTH - filled)
        remaining = elapsed * (1 - fraction) / fraction if fraction > 0 else 0.0
        prefix = f"{self.label}: " if self.label else ""
        return (
            f"{prefix}[{bar}] {fraction:4.0%} {done}/{total} {message} "
            f"{_clock(elapsed)} elapsed, {_clock(remaining)} left"
        )


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes:02d}:{seconds:02d}"
