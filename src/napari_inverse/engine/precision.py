"""The number format a trained network infers in: bfloat16 where the CPU computes it natively.

Why: on a CPU with AVX512-BF16 (or AMX) oneDNN runs bfloat16 convolutions and products with
fp32 accumulation at up to twice the float32 rate and moves half the bytes, at a PSNR cost far
below any model's own error (speed and accuracy in ``docs/benchmarks.md``). Elsewhere bfloat16
is emulated and slower, so "auto" keeps float32; on a GPU "auto" keeps float32 too (bfloat16
inference there was never measured by this project). ``"float32"`` gives the same
numbers on every CPU, to float rounding. The names are torch's dtype names; torch (and numpy)
load only when a dtype is asked for, so the command line's choices cost no import.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

PRECISIONS = ("auto", "float32", "bfloat16")
_NATIVE_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


def inference_dtype(precision: str, device: torch.device) -> torch.dtype:
    """The dtype ``precision`` ("auto", "float32" or "bfloat16") means on ``device``."""
    import torch

    from .validation import InvalidInput

    name = str(precision).strip().lower()
    if name not in PRECISIONS:
        raise InvalidInput(f"unknown precision {precision!r}; use one of {', '.join(PRECISIONS)} "
                           "('auto': bfloat16 on CPUs that compute it natively, else float32)")
    if name == "auto":
        name = "bfloat16" if device.type == "cpu" and cpu_has_native_bf16() else "float32"
    return getattr(torch, name)


def precision_name(dtype: torch.dtype) -> str:
    """"float32" or "bfloat16": how results record the format they were computed in."""
    return str(dtype).removeprefix("torch.")


@functools.lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """Whether this CPU has bfloat16 arithmetic (Linux: its cpuinfo flags; elsewhere: no)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return has_native_bf16_flag(text)


def has_native_bf16_flag(cpuinfo: str) -> bool:
    """Whether a /proc/cpuinfo text lists a bfloat16 instruction set on its first core."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return not _NATIVE_BF16_FLAGS.isdisjoint(value.split())
    return False
