"""Run one verb call at a time off the GUI thread, with progress, cancel and friendly errors.

Every dock hands :meth:`JobRunner.start` a ``job(progress, cancel)`` callable (a verb with its
parameters bound) and listens to three signals. The job runs in a napari ``FunctionWorker``;
its ``progress(done, total, message)`` calls cross to the GUI thread through a queued Qt
signal, throttled so a fast loop cannot flood the event loop; the Cancel button sets the
job's :class:`CancelToken`, which the verb checks between iterations and tiles and within
long FFTs. Exceptions never leave the worker: ``Cancelled`` becomes an info notification,
anything else an error notification with the message — never a traceback dialog. A verb's
warnings (smaller tiles after a GPU ran out of memory) become warning notifications.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

from napari.qt.threading import create_worker
from napari.utils.notifications import show_error, show_info, show_warning
from qtpy.QtCore import QObject, Qt, Signal

from ..engine.progress import CancelToken, Cancelled, ProgressCallback

Job = Callable[[ProgressCallback, CancelToken], Any]
PROGRESS_INTERVAL_S = 0.05

log = logging.getLogger(__name__)


@dataclass
class _Outcome:
    """What came out of the worker: a value, or that it was cancelled, or the error."""

    value: Any = None
    cancelled: bool = False
    error: Optional[BaseException] = None


class JobRunner(QObject):
    """Owns the worker of one dock; at most one job runs at a time.

    Signals (all emitted on the GUI thread):
    ``progressed(done, total, message)``; ``succeeded(value)`` with what the job returned;
    ``finished(status)`` once per job with status "done", "cancelled" or "failed", after
    ``succeeded`` — the moment to reset the progress bar and re-enable Run. A job's warnings
    become warning notifications, except those of a ``quiet`` category (the dock shows them).
    """

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    finished = Signal(str)
    _progress_from_worker = Signal(int, int, str)

    def __init__(self, parent: Optional[QObject] = None,
                 quiet: tuple[type[Warning], ...] = ()) -> None:
        super().__init__(parent)
        self._quiet = quiet
        self._token: Optional[CancelToken] = None
        self._worker = None
        self._outcome: Optional[_Outcome] = None
        self._progress_from_worker.connect(self.progressed, Qt.ConnectionType.QueuedConnection)

    @property
    def running(self) -> bool:
        return self._worker is not None

    def start(self, job: Job) -> None:
        """Run ``job(progress, cancel)`` in a worker thread; refused while another job runs."""
        if self.running:
            raise RuntimeError("a job is already running; cancel it or wait for it to finish")
        token = CancelToken()
        self._token = token
        worker = create_worker(self._call, job, self._throttled_progress(), token)
        worker.returned.connect(self._keep_outcome)
        # napari's worker means to relay warnings, but its mixin's __init__ never runs (it
        # follows sip's wrapper in the MRO); shown here, each job's warning shows, not only the
        # first of a session
        worker.warned.connect(self._show_warning)
        worker.finished.connect(self._on_finished)
        self._worker = worker
        worker.start()

    def _show_warning(self, showwarning_args: tuple) -> None:
        message, category = showwarning_args[:2]
        if not issubclass(category, self._quiet):
            show_warning(str(message))

    def cancel(self) -> None:
        """Ask the running job to stop at its next progress point (within about a second)."""
        if self._token is not None:
            self._token.set()

    @staticmethod
    def _call(job: Job, progress: ProgressCallback, token: CancelToken) -> _Outcome:
        """Runs in the worker thread; turns every way the job can end into an outcome."""
        try:
            return _Outcome(value=job(progress, token))
        except Cancelled:
            return _Outcome(cancelled=True)
        except Exception as exc:  # noqa: BLE001 - every failure must reach the user as a message
            log.debug("job failed", exc_info=True)
            return _Outcome(error=exc)

    def _throttled_progress(self) -> ProgressCallback:
        """A progress callback for the worker thread: emits at most every 50 ms, and at the end."""
        last = [0.0]

        def progress(done: int, total: int, message: str) -> None:
            now = time.monotonic()
            if done >= total or now - last[0] >= PROGRESS_INTERVAL_S:
                last[0] = now
                self._progress_from_worker.emit(int(done), int(total), str(message))

        return progress

    def _keep_outcome(self, outcome: _Outcome) -> None:
        self._outcome = outcome

    def _on_finished(self) -> None:
        """Report the job once its thread is done, so ``running`` is False by the time we do."""
        outcome = self._outcome or _Outcome(error=RuntimeError("the job ended without a result"))
        self._worker = self._token = self._outcome = None
        if outcome.cancelled:
            show_info("cancelled")
            self.finished.emit("cancelled")
        elif outcome.error is not None:
            show_error(_message(outcome.error))
            self.finished.emit("failed")
        else:
            try:
                self.succeeded.emit(outcome.value)
            finally:
                self.finished.emit("done")


def _message(error: BaseException) -> str:
    """The user-facing text: input problems speak for themselves, other errors name their type."""
    if isinstance(error, ValueError):
        return str(error)
    return f"{type(error).__name__}: {error}"
