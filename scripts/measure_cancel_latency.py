"""Time from ``cancel.set()`` to each verb stopping, on 2048² images and 3-D stacks.

Usage: ``python scripts/measure_cancel_latency.py [case substring ...] [--delays 0.1,1,3]
[--threads N]``; each case is cancelled once after each delay (seconds after its start), see
``napari_inverse.benchmarks.cancel_latency``.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import torch

from napari_inverse.benchmarks.cancel_latency import full_cases, seconds_to_stop


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cases", nargs="*", help="substrings of case names (default: all)")
    parser.add_argument("--delays", default="0.1,1,3")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's own)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    delays = [float(d) for d in args.delays.split(",")]
    with tempfile.TemporaryDirectory() as models:
        cases = full_cases(Path(models))
        for name, run in cases.items():
            if args.cases and not any(s.lower() in name.lower() for s in args.cases):
                continue
            figures = []
            for delay in delays:
                stopped, how = seconds_to_stop(run, delay)
                figures.append(f"{delay:g} s → " + (f"{stopped:.2f} s ({how})" if stopped
                                                     is not None else how))
            print(f"{name}: " + "; ".join(figures), flush=True)


if __name__ == "__main__":
    main()
