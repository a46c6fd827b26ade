"""``napari-inverse bench``: the quick suites write their sections of a markdown report."""
import os
import re
import sys

import pytest

from napari_inverse.cli import main
from napari_inverse.training import RECIPES


@pytest.mark.slow
def test_quick_benchmark_writes_a_markdown_table(tmp_path, capsys):
    report = tmp_path / "b.md"
    assert main(["bench", "--quick", "--output", str(report)]) == 0
    text = report.read_text()
    assert "| case |" in text and "|---|" in text and "RL (30 it.) 128×128" in text
    assert "peak RSS" in capsys.readouterr().out
    quality = text.split("<!-- section: quality -->")[1].split("<!-- end: quality -->")[0]
    rows = [line for line in quality.splitlines() if line.startswith("| deconvolution/")]
    assert len(rows) == 14  # two sets × (input, Wiener, RL, RL auto, m-rBCR, s-rBCR, CARE)
    assert all("iterations" in row for row in rows if "Richardson" in row)
    assert sum("(mrbcr-widefield)" in row and "236,630" in row for row in rows) == 2
    learned = text.split("<!-- section: learned-speed -->")[1]
    assert "m-rBCR 128×128" in learned and "CARE 128×128" in learned
    assert re.search(r"\| cpu \(\d+\), (bfloat16|float32) \|", learned)  # the format it ran in
    assert "against CARE's" in learned and "target: not slower" in learned
    assert "| seconds, model kept (runs) |" in learned  # a later call: the network built once
    assert "128×128, first call:" in learned and "128×128, model kept:" in learned
    training = text.split("<!-- section: training -->")[1].split("<!-- end: training -->")[0]
    assert "## Training throughput (quick smoke test" in training
    rows = {line.split("|")[1].strip(): line.split("|") for line in training.splitlines()
            if line.startswith("| ") and not line.startswith("| recipe |")}
    assert set(rows) == set(RECIPES)
    assert all(float(row[6]) > 0 and "MiB" in row[8] for row in rows.values())
    phase = text.split("<!-- section: phase -->")[1].split("<!-- end: phase -->")[0]
    assert "## Phase retrieval (quick smoke test" in phase
    assert sum(line.startswith(("| weak |", "| strong |")) for line in phase.splitlines()) == 8
    resolution = text.split("<!-- section: super-resolution -->")[1].split("<!-- end:")[0]
    assert "## Super-resolution: CVDM and its uncertainty (quick smoke test" in resolution
    psnr = {line.split("|")[1].strip(): line.split("|")[2].strip()
            for line in resolution.splitlines() if line.startswith("| ") and " dB" not in line}
    assert {"widefield input", "CVDM mean", "ZMD mean", "Wiener", "SIM-like truth"} <= set(psnr)
    care = next(value for name, value in psnr.items() if name.startswith("CARE-SR"))
    assert float(care) > float(psnr["widefield input"])  # CARE trained on the same pairs
    assert float(psnr["Richardson–Lucy (auto iterations)"]) > float(psnr["widefield input"]) + 1
    coverage = [line for line in resolution.splitlines()
                if line.startswith(("| CVDM, ", "| ZMD, "))]
    assert len(coverage) == 6  # per model: plain, PI-DDPM guided, unseen optics
    for line in coverage:  # coverage of ±kσ grows with k, as percentages
        curve = [float(v) for v in line.split("|")[4].strip(" %").split(" / ")]
        assert curve == sorted(curve) and 0 <= curve[0] and curve[-1] <= 100
    assert len(re.findall(r"one batch: \d+\.\d\d s at 256²", resolution)) == 2


@pytest.mark.slow
def test_each_suite_rewrites_only_its_own_section(tmp_path):
    report = tmp_path / "b.md"
    report.write_text("# Benchmarks\n\n<!-- section: speed -->\nold speed\n<!-- end: speed -->\n")
    assert main(["bench", "--quick", "--suite", "quality", "--output", str(report)]) == 0
    text = report.read_text()
    assert "old speed" in text and text.count("<!-- section: quality -->") == 1


def test_threads_sets_torch_threads_in_the_run_and_its_workers(tmp_path, monkeypatch, capsys):
    """``--threads N``: a suite runs with torch on N threads, so do the worker processes it
    starts, and the header states N; afterwards torch has its own count again."""
    import torch

    from napari_inverse.benchmarks import quality
    from napari_inverse.benchmarks.measure import run_worker
    from napari_inverse.benchmarks.report import machine_description

    (tmp_path / "thread_probe.py").write_text(
        "import json, torch\nprint(json.dumps({'threads': torch.get_num_threads()}))\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), *sys.path]))
    before, wanted = torch.get_num_threads(), torch.get_num_threads() + 1
    seen = {}

    def suite(quick, device, command, say, real_image=None):
        seen["run"] = torch.get_num_threads()
        seen["worker"] = run_worker("thread_probe", {}, "the probe")["threads"]
        seen["header"] = machine_description()["cpu"]
        return "## quality\n"

    monkeypatch.setattr(quality, "run_quality_suite", suite)
    assert main(["bench", "--quick", "--suite", "quality", "--threads", str(wanted)]) == 0
    assert seen["run"] == seen["worker"] == wanted
    assert seen["header"].endswith(f"torch on {wanted} threads")
    assert torch.get_num_threads() == before
    assert main(["bench", "--quick", "--suite", "quality", "--threads", "0"]) == 2
    assert "--threads must be at least 1, got 0" in capsys.readouterr().err
