"""A dependency-free progress bar for the command line, fed by the verbs' progress callback.

On a terminal it redraws one line at most ten times a second; when stderr is a file or a pipe
(CI logs) it writes only the final line, so logs stay readable.
"""
from __future__ import annotations

import sys
import time
from typing import Optional, TextIO

_WIDTH = 30
_MIN_INTERVAL_S = 0.1


class ProgressBar:
    """Callable as ``progress(done, total, message)``; call :meth:`close` when the job ends."""

    def __init__(self, stream: Optional[TextIO] = None, label: str = "") -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self._interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self._started = time.monotonic()
        self._last_draw = float("-inf")
        self._line = ""
        self._drawn_width = 0

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
