"""Real FFTs of 2-D and 3-D tensors done slice by slice, with a callback between slices.

One torch FFT of a 256×512×512 volume runs for seconds and nothing can stop it midway. The same
transform done axis by axis over slices of about :data:`SLICE_VALUES` values gives the caller
(a cancel check) a moment between slices, at nearly the cost of one call. Small transforms,
and any on a GPU, stay one call.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch

SLICE_VALUES = 1 << 18
"""Complex values per slice (2 MiB, a few milliseconds on one core). Slices this small stay in
cache: a 288×576² transform pair took half the time of torch's single 3-D call."""

WHOLE_VALUES = 1 << 23
"""Up to this many values (a 2048² image with its padding) one torch call is faster than
slices (2112²: 0.13 against 0.18 s per transform pair) and short enough to wait for."""

Between = Callable[[], None] | None


def sliced_rfftn(x: torch.Tensor, between: Between = None) -> torch.Tensor:
    """``torch.fft.rfftn(x)`` over every axis of ``x``, calling ``between()`` after each slice."""
    if _whole(x, x.numel()):
        out = torch.fft.rfftn(x)
        _call(between)
        return out
    rest = tuple(range(1, x.ndim))
    out = torch.empty((*x.shape[:-1], x.shape[-1] // 2 + 1), dtype=_complex(x.dtype),
                      device=x.device)
    for part in _slices(out.shape[0], math.prod(out.shape[1:])):
        out[part] = torch.fft.rfftn(x[part], dim=rest)
        _call(between)
    _transform_first_axis(out, torch.fft.fft, between)
    return out


def sliced_irfftn(spectrum: torch.Tensor, shape: Sequence[int],
                  between: Between = None) -> torch.Tensor:
    """``torch.fft.irfftn(spectrum, s=shape)`` over every axis; ``spectrum`` is overwritten."""
    if _whole(spectrum, math.prod(shape)):
        out = torch.fft.irfftn(spectrum, s=tuple(shape))
        _call(between)
        return out
    _transform_first_axis(spectrum, torch.fft.ifft, between)
    rest = tuple(range(1, spectrum.ndim))
    out = torch.empty(tuple(shape), dtype=_real(spectrum.dtype), device=spectrum.device)
    for part in _slices(out.shape[0], math.prod(spectrum.shape[1:])):
        out[part] = torch.fft.irfftn(spectrum[part], s=tuple(shape[1:]), dim=rest)
        _call(between)
    return out


def _whole(x: torch.Tensor, values: int) -> bool:
    """Whether one torch call does it: small transforms, and any on a GPU, where even a
    256×512² transform takes milliseconds."""
    return x.ndim < 2 or values <= WHOLE_VALUES or x.device.type != "cpu"


def _transform_first_axis(spectrum: torch.Tensor, transform, between: Between) -> None:
    """Apply ``transform`` along axis 0, in place, slice by slice along axis 1."""
    columns = spectrum.shape[0] * math.prod(spectrum.shape[2:])
    for part in _slices(spectrum.shape[1], columns):
        index = (slice(None), part[0])
        spectrum[index] = transform(spectrum[index], dim=0)
        _call(between)


def _slices(length: int, values_per_index: int) -> list[tuple[slice]]:
    """Index ranges along one axis, each covering about SLICE_VALUES values."""
    step = max(1, SLICE_VALUES // max(values_per_index, 1))
    return [(slice(start, min(start + step, length)),) for start in range(0, length, step)]


def _call(between: Between) -> None:
    if between is not None:
        between()


def _complex(dtype: torch.dtype) -> torch.dtype:
    return torch.complex128 if dtype == torch.float64 else torch.complex64


def _real(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype == torch.complex128 else torch.float32
