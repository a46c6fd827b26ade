"""The learned speed suite: float32 twins where "auto" means bfloat16, rivals of one format."""
import pytest

from napari_inverse.benchmarks.cases import (FLOAT32_TWINS, LEARNED_CASES, _learned_case,
                                             learned_cases)
from napari_inverse.benchmarks.measure import Measurement
from napari_inverse.benchmarks.report import results_table, target_lines
from napari_inverse.engine import precision


@pytest.mark.parametrize("native", [True, False])
def test_float32_twins_are_timed_only_where_auto_is_bfloat16(monkeypatch, native):
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: native)
    cases = learned_cases("cpu")
    assert cases == (LEARNED_CASES + FLOAT32_TWINS if native else LEARNED_CASES)
    assert all(c.precision == "float32" and c.label.endswith(", float32") for c in FLOAT32_TWINS)
    headline = [c for c in cases if c.compare_reference]
    assert len(headline) == 1 and headline[0].precision == "auto"


def _run(seconds: float, precision: str) -> Measurement:
    return Measurement(seconds=seconds, runs=3, peak_rss=2**30, threads=2, device="cpu",
                       precision=precision, tiles="—", load=2.0)


def test_m_rbcr_is_compared_with_care_in_the_same_format():
    shape = (512, 512)
    rows = [(_learned_case("mrbcr", shape), _run(1.0, "bfloat16"), None),
            (_learned_case("care", shape), _run(0.5, "bfloat16"), None),
            (_learned_case("mrbcr", shape, "float32"), _run(2.0, "float32"), None),
            (_learned_case("care", shape, "float32"), _run(3.0, "float32"), None)]
    lines = [line for line in target_lines(rows) if "against CARE" in line]
    assert lines == [
        "- m-rBCR 512×512, first call: 1.00 s against CARE's 0.50 s (0.50× its speed; "
        "target: not slower): **NOT met**",
        "- m-rBCR 512×512, float32, first call: 2.00 s against CARE's 3.00 s (1.50× its speed; "
        "target: not slower): **met**"]
    table = results_table(rows)
    assert "| m-rBCR 512×512 | — | cpu (2), bfloat16 |" in table
    assert "| CARE 512×512, float32 | — | cpu (2), float32 |" in table
