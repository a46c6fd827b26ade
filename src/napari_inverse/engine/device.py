"""Choose the torch device a job runs on (CUDA, then Apple MPS, then CPU), and give its memory
back when the job ends."""
from __future__ import annotations

import contextlib
import traceback
from collections.abc import Iterator

import torch

from .progress import Cancelled
from .validation import InvalidInput


def select_device(device: str | torch.device = "auto") -> torch.device:
    """Return the torch device for ``device`` ("auto", "cpu", "cuda", "cuda:1", "mps").

    "auto" prefers CUDA, then MPS, then the CPU. Asking for a device that is not there is an
    error that says which devices are, rather than a silent fall-back that runs for hours on a CPU.
    """
    if isinstance(device, torch.device):
        device = str(device)
    name = str(device).strip().lower()
    if name in ("", "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise InvalidInput(
                f"device {device!r} was requested but CUDA is not available here; "
                f"available: {', '.join(available_devices())}. Use device='auto' or 'cpu'."
            )
        try:
            index = torch.device(name).index or 0
        except RuntimeError:  # "cuda:x", "cuda:1:2"
            raise InvalidInput(f"unknown device {device!r}; use 'cuda' or 'cuda:N' with N a "
                             f"number, or one of: {', '.join(available_devices())}") from None
        if index >= torch.cuda.device_count():
            raise InvalidInput(
                f"device {device!r} does not exist: this machine has "
                f"{torch.cuda.device_count()} CUDA device(s)"
            )
        return torch.device(name)
    if name == "mps":
        if not _mps_available():
            raise InvalidInput(
                f"device 'mps' was requested but Apple MPS is not available here; "
                f"available: {', '.join(available_devices())}"
            )
        return torch.device("mps")
    raise InvalidInput(f"unknown device {device!r}; use 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'")


def available_devices() -> list[str]:
    """Names of the devices this machine offers, for pickers and messages."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if _mps_available():
        names.append("mps")
    return names


def describe_device(name: str) -> str:
    """``name`` for people: a CUDA device with its GPU's model and free memory (read now; it
    initialises CUDA on that GPU), so a picker shows what a job would run on."""
    if not name.startswith("cuda") or not torch.cuda.is_available():
        return name
    index = torch.device(name).index or 0
    gpu = torch.cuda.get_device_name(index)
    try:
        free, total = torch.cuda.mem_get_info(index)
    except RuntimeError:  # a GPU in exclusive use by another process
        return f"{name}: {gpu}, free memory unknown"
    return f"{name}: {gpu}, {free / 1e9:.1f} of {total / 1e9:.1f} GB free"


@contextlib.contextmanager
def device_job(device: torch.device) -> Iterator[None]:
    """Run the block, then give ``device``'s cached memory back, also when it fails or is cancelled.

    Why: an exception's traceback keeps alive every frame it passed through, their locals hold
    device tensors (a tile, an OTF), and each frame its function, whose closure may hold the
    network; the napari dock keeps the exception to report it. On an accelerator a cancel's
    inner frames, which tell nothing, are dropped; an error keeps them for its report (code and
    line numbers) with their locals cleared.
    """
    try:
        yield
    except Cancelled as cancel:
        if device.type != "cpu":
            # the traceback starts at this generator's frame, then the ``with`` statement's:
            # only those stay
            cancel.__traceback__.tb_next.tb_next = None
        raise
    except BaseException as error:
        if device.type != "cpu":
            traceback.clear_frames(error.__traceback__)
        raise
    finally:
        release_device_memory(device)


def release_device_memory(device: torch.device) -> None:
    """Give cached accelerator memory back when a job ends, so other programs can use it."""
    if device.type == "cuda":
        torch.cuda.empty_cache()
    elif device.type == "mps" and hasattr(torch, "mps"):
        torch.mps.empty_cache()


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())
