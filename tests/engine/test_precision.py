"""The number format a network infers in: "auto" follows the CPU's bfloat16 arithmetic."""
import pytest
import torch

from napari_inverse.engine import InvalidInput
from napari_inverse.engine import precision
from napari_inverse.engine.precision import has_native_bf16_flag, inference_dtype, precision_name

ZEN5_FLAGS = "fpu sse2 avx2 avx512f avx512bw avx512_bf16 avx512_vnni"
ZEN3_FLAGS = "fpu sse2 avx2 fma"  # no AVX-512 at all
SKYLAKE_FLAGS = "fpu sse2 avx2 avx512f avx512bw avx512vl"  # AVX-512, bfloat16 emulated
SAPPHIRE_RAPIDS_FLAGS = "fpu avx512f amx_bf16 amx_tile"


def _cpuinfo(flags: str) -> str:
    return f"processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: {flags}\n\nprocessor\t: 1\n"


@pytest.mark.parametrize("flags, native", [(ZEN5_FLAGS, True), (SAPPHIRE_RAPIDS_FLAGS, True),
                                           (ZEN3_FLAGS, False), (SKYLAKE_FLAGS, False)])
def test_native_bfloat16_is_read_from_the_cpu_flags(flags, native):
    assert has_native_bf16_flag(_cpuinfo(flags)) is native


def test_a_cpuinfo_without_flags_means_no_bfloat16():
    assert has_native_bf16_flag("processor\t: 0\n") is False
    assert has_native_bf16_flag("") is False


@pytest.mark.parametrize("native, expected", [(True, torch.bfloat16), (False, torch.float32)])
def test_auto_is_bfloat16_only_on_a_cpu_that_computes_it(monkeypatch, native, expected):
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: native)
    assert inference_dtype("auto", torch.device("cpu")) == expected
    assert inference_dtype("auto", torch.device("cuda")) == torch.float32  # never measured


@pytest.mark.parametrize("name, dtype",
                         [("float32", torch.float32), (" BFloat16 ", torch.bfloat16)])
def test_an_explicit_precision_is_kept_on_every_device(monkeypatch, name, dtype):
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: False)
    assert inference_dtype(name, torch.device("cpu")) == dtype
    assert inference_dtype(name, torch.device("cuda")) == dtype
    assert precision_name(dtype) == name.strip().lower()


def test_an_unknown_precision_names_the_choices():
    with pytest.raises(InvalidInput, match="auto, float32, bfloat16"):
        inference_dtype("fp16", torch.device("cpu"))
