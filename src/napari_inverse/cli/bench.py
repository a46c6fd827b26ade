"""``napari-inverse bench``: score and time every method on the fixed simulated benchmark sets."""
from __future__ import annotations

import argparse


def add_parser(commands) -> None:
    bench = commands.add_parser(
        "bench", help="score and time every method on the fixed simulated benchmark sets")
    bench.add_argument("--quick", action="store_true",
                       help="tiny cases only (a smoke test, < 30 s)")
    bench.add_argument("--output", metavar="FILE.md",
                       help="markdown report (default: docs/benchmarks.md; none with --quick)")
    bench.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    bench.add_argument("--threads", type=int, metavar="N",
                       help="torch's CPU threads for every measurement, in this process and "
                       "in each worker process; default: torch's own, one per core. "
                       "Each suite's header states the count. On a shared machine fewer "
                       "threads can be faster: on 2 busy cores, 2 threads ran ~4x slower "
                       "than 1")
    bench.add_argument("--suite", default="all",
                       choices=["all", "quality", "speed", "learned-speed", "training",
                                "focus", "phase", "super-resolution"],
                       help="quality (PSNR/SSIM/resolution per set), speed (seconds, memory), "
                       "learned-speed (the shipped networks), training (steps per second of "
                       "each recipe), focus (in-focus segmentation: masks, depth, speed), "
                       "phase (phase RMSE per method, 2048² timing), super-resolution "
                       "(CVDM beside RL/Wiener, uncertainty calibration, s/step) or all "
                       "(default); each rewrites only its own section of "
                       "the report")
    bench.add_argument("--real-image", metavar="TIF",
                       help="stardist's img2d.tif: adds a set made from a real micrograph")
    bench.add_argument("--real-volume", metavar="DIR",
                       help="folder with stardist's img3d.tif and mask3d.tif: adds the focus "
                       "suite's depth check on a real nuclei volume")
    bench.set_defaults(run=run)


def run(args: argparse.Namespace, cancel) -> int:
    from ..benchmarks import SUITES, run_benchmarks

    suites = SUITES if args.suite == "all" else (args.suite,)
    return run_benchmarks(quick=args.quick, output=args.output, device=args.device,
                          command=args.command_line, suites=suites, real_image=args.real_image,
                          real_volume=args.real_volume, threads=args.threads)
