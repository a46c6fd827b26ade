"""How long each verb takes to stop once its cancel token is set.

The contract (`engine.progress`) is about a second; this measures it: a verb runs in a thread,
the token is set after a delay, and the time until the verb raises ``Cancelled`` (or, for
``fine_tune``, returns with its best weights saved) is the figure. ``FULL_CASES`` are the sizes
the contract is stated for, 2048² images and 3-D stacks.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.progress import Cancelled, CancelToken
from ..methods import deconvolve, denoise
from ..methods.fine_tune import fine_tune
from ..optics import Optics

Run = Callable[[CancelToken], Any]
OPTICS_2D = Optics(na=1.4, wavelength_nm=520, pixel_size_nm=65)
OPTICS_3D = Optics(na=1.4, wavelength_nm=520, pixel_size_nm=100, z_step_nm=200)


def seconds_to_stop(run: Run, delay: float) -> tuple[float | None, str]:
    """(seconds from ``cancel.set()`` to ``run`` ending, how it ended) for a cancel ``delay``
    seconds after the start; (None, "finished") when it ended before the cancel."""
    token, ended, outcome = CancelToken(), threading.Event(), ["returned"]

    def work() -> None:
        try:
            run(token)
        except Cancelled:
            outcome[0] = "cancelled"
        except BaseException as error:  # noqa: BLE001 - reported to the caller, not lost
            outcome[0] = f"failed: {type(error).__name__}: {error}"
        finally:
            ended.set()

    thread = threading.Thread(target=work, name="napari-inverse: cancel latency")
    thread.start()
    if ended.wait(delay):
        thread.join()
        return None, "finished"
    cancelled_at = time.perf_counter()
    token.set()
    ended.wait()
    stopped = time.perf_counter() - cancelled_at
    thread.join()
    return stopped, outcome[0]


def noise_image(shape) -> np.ndarray:
    """Positive noise (photon-like counts), the same for every call with the same shape."""
    return np.random.default_rng(0).random(shape, dtype=np.float32) * 100 + 10


def full_cases(models: Path) -> dict[str, Run]:
    """Every job type at full size; ``fine_tune`` saves into ``models``."""
    plane, stack = noise_image((2048, 2048)), noise_image((64, 512, 512))
    return {
        "RL 2-D 2048²": lambda c: deconvolve(plane, "richardson_lucy", optics=OPTICS_2D,
                                            cancel=c),
        "RL 3-D 64×512²": lambda c: deconvolve(stack, "richardson_lucy", optics=OPTICS_3D,
                                              cancel=c),
        "Wiener 2-D 2048²": lambda c: deconvolve(plane, "wiener", optics=OPTICS_2D, cancel=c),
        "Wiener 3-D 256×512²": lambda c: deconvolve(noise_image((256, 512, 512)), "wiener",
                                                   optics=OPTICS_3D, cancel=c),
        "m-rBCR 2048²": lambda c: deconvolve(plane, "mrbcr", cancel=c),
        "CARE 2048²": lambda c: deconvolve(plane, "care", cancel=c),
        "N2V 2048²": lambda c: denoise(plane, "n2v", cancel=c),
        "fine_tune N2V": lambda c: fine_tune(noise_image((512, 512)), family="n2v",
                                             name="cancel-latency", out=models / "cancel-latency",
                                             steps=100_000, cancel=c),
    }
