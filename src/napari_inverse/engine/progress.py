"""The progress + cancel contract every verb honours.

A verb calls ``progress(done, total, message)`` and checks ``cancel.is_set()`` between tiles,
iterations and sampling steps, and within long FFTs (`optics.sliced_fft`), so a GUI can show a
bar and stop any job within about a second (`benchmarks.cancel_latency` measures it).
"""
from __future__ import annotations

import threading
from typing import Callable, Optional, Protocol

ProgressCallback = Callable[[int, int, str], None]


class CancelLike(Protocol):
    def is_set(self) -> bool: ...


class Cancelled(RuntimeError):
    """Raised inside a verb when its cancel token was set; nothing partial is returned."""


class CancelToken:
    """A thread-safe flag a caller sets to stop a running job (a thin threading.Event)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def clear(self) -> None:
        self._event.clear()


class ProgressReporter:
    """Counts units of work over a whole job and forwards them to the caller's callback.

    A verb that loops over time points and tiles and iterations knows the total up front; the
    reporter turns every ``step()`` into one ``progress(done, total, message)`` call and checks the
    cancel token at the same moment, so both happen at the same fine grain.
    """

    def __init__(
        self,
        total: int,
        progress: Optional[ProgressCallback] = None,
        cancel: Optional[CancelLike] = None,
    ) -> None:
        self.total = max(int(total), 1)
        self.done = 0
        self._progress = progress
        self._cancel = cancel

    def check_cancel(self) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise Cancelled("cancelled by the user; no result was produced")

    def step(self, message: str = "", units: int = 1) -> None:
        self.check_cancel()
        self.done = min(self.done + units, self.total)
        if self._progress is not None:
            self._progress(self.done, self.total, message)

    def recount(self, extra: int) -> None:
        """Add ``extra`` units to the total (negative: fewer), when a step of the job is redone
        in more or fewer pieces than planned (an out-of-memory retry with smaller tiles)."""
        self.total = max(self.total + int(extra), self.done, 1)

    def finish(self, message: str = "done") -> None:
        self.done = self.total
        if self._progress is not None:
            self._progress(self.done, self.total, message)
