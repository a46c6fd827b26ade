"""The ``napari-inverse`` command: thin subcommands over the same verbs napari and Python use.

Heavy modules (torch, the verbs, napari) are imported inside each command, so ``--help`` is
instant. Bad input ends with exit status 2 and one line ``napari-inverse: error: <reason>``;
Ctrl-C stops a job at its next iteration with status 130.
"""
from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from typing import Optional, Sequence

PROG = "napari-inverse"
EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
EXIT_CANCELLED = 130
_MEMORY_HINT = ("out of memory; process a crop or fewer time points, run on the CPU (--device cpu) "
                "when a GPU ran out, or use a larger machine")


class UsageError(ValueError):
    """The command line itself is wrong (unknown flag, missing argument)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print the usage too; we want one line
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    from .cli_train import add_train_commands

    parser = _Parser(prog=PROG, description="Computational microscopy from the command line.")
    commands = parser.add_subparsers(dest="command", title="commands", parser_class=_Parser)
    _add_deconvolve(commands)
    _add_denoise(commands)
    demo = commands.add_parser("demo", help="simulate a blurred image and restore it")
    demo.add_argument("--headless", action="store_true",
                      help="no napari: write images and print PSNR/SSIM instead")
    demo.add_argument("--output", default="demo-output", metavar="DIR",
                      help="folder for the headless demo's OME-TIFFs (default: ./demo-output)")
    demo.add_argument("--size", type=int, default=512, help="image side in pixels (default 512)")
    bench = commands.add_parser(
        "bench", help="score and time every method on the fixed simulated benchmark sets")
    bench.add_argument("--quick", action="store_true",
                       help="tiny cases only (a smoke test, < 30 s)")
    bench.add_argument("--output", metavar="FILE.md",
                       help="markdown report (default: docs/benchmarks.md; none with --quick)")
    bench.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    bench.add_argument("--suite", default="all",
                       choices=["all", "quality", "speed", "learned-speed", "training"],
                       help="quality (PSNR/SSIM/resolution per set), speed (seconds, memory), "
                       "learned-speed (the shipped networks), training (steps per second of "
                       "each recipe) or all (default); each rewrites only its own section of "
                       "the report")
    bench.add_argument("--real-image", metavar="TIF",
                       help="stardist's img2d.tif: adds a set made from a real micrograph")
    add_train_commands(commands)
    return parser


def _add_deconvolve(commands) -> None:
    command = commands.add_parser(
        "deconvolve",
        help="deconvolve a TIFF with m-rBCR, s-rBCR, CARE, Richardson-Lucy or Wiener",
        description="Deconvolve a TIFF and write an OME-TIFF with the same pixel size. Pixel "
        "size and z step come from the file when it states them; explicit flags win.",
    )
    _add_image_arguments(command, "deconvolve")
    command.add_argument("--method",
                         choices=["mrbcr", "srbcr", "care", "rl", "richardson_lucy", "wiener"],
                         help="trained network (mrbcr, srbcr, care) or classical (rl, wiener); "
                         "default mrbcr, or rl with --psf")
    command.add_argument("--na", type=float, help="numerical aperture (required unless --psf)")
    command.add_argument("--wavelength", type=float, metavar="NM",
                         help="emission wavelength in nm (required unless --psf)")
    command.add_argument("--z-step", type=float, metavar="NM",
                         help="distance between planes in nm; overrides the file's; makes ZYX "
                         "deconvolution 3-D (rl, wiener)")
    command.add_argument("--iterations", type=int,
                         help="Richardson-Lucy iterations (default: chosen per image)")
    command.add_argument("--tv", type=float, default=0.0,
                         help="total-variation weight for Richardson-Lucy (typical 0.001-0.01)")
    command.add_argument("--regularization", type=float,
                         help="constant Wiener balance λ (default: per frequency, the noise "
                         "to object power measured on the image)")
    command.add_argument("--psf",
                         help="measured PSF as TIFF (2-D or 3-D) instead of --na/--wavelength "
                         "(rl, wiener)")


def _add_denoise(commands) -> None:
    command = commands.add_parser(
        "denoise", help="denoise a TIFF with CARE or Noise2Void",
        description="Denoise a TIFF with a trained model and write an OME-TIFF with the same "
        "pixel size. Give --na and --wavelength to check the pixel size against the model's.")
    _add_image_arguments(command, "denoise")
    command.add_argument("--method", default="care", choices=["care", "n2v"],
                         help="care (default) or n2v (Noise2Void)")
    command.add_argument("--na", type=float, help="numerical aperture (for the pixel-size check)")
    command.add_argument("--wavelength", type=float, metavar="NM",
                         help="emission wavelength in nm (for the pixel-size check)")


def _add_image_arguments(command, verb: str) -> None:
    """The arguments every image-to-image command shares: files, sampling, model, device."""
    from .engine.precision import PRECISIONS  # imports neither torch nor numpy

    command.add_argument("input", help="TIFF, ImageJ hyperstack or OME-TIFF")
    command.add_argument("-o", "--output",
                         help="output OME-TIFF (default: INPUT_<method>.ome.tif beside the input)")
    command.add_argument("--pixel-size", type=float, metavar="NM",
                         help="pixel size in nm; overrides the file's calibration")
    command.add_argument("--refractive-index", type=float, default=1.518,
                         help="immersion medium (default 1.518, oil)")
    command.add_argument("--model", metavar="NAME|PATH",
                         help="zoo model name, model folder or .safetensors file for a trained "
                         "method (default: the method's shipped model; see 'models')")
    command.add_argument("--resample", action="store_true",
                         help=f"when the pixel size is outside the model's range, {verb} at the "
                         "model's pixel size and resample back")
    command.add_argument("--axes",
                         help="axes of the input, e.g. ZYX or TCYX (default: from the file)")
    command.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    command.add_argument("--precision", default="auto", choices=PRECISIONS,
                         help="number format of a trained method: auto (default) is bfloat16 "
                         "where the CPU computes it natively, float32 elsewhere")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as error:
        return _fail(str(error), EXIT_BAD_INPUT)
    except SystemExit as done:  # --help
        return int(done.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return _run(args, argv)
    except KeyboardInterrupt:
        return _fail("cancelled", EXIT_CANCELLED, prefix=False)
    except Exception as error:
        code = _exit_code(error)
        if code is None:
            raise
        message = _MEMORY_HINT if _out_of_memory(error) else str(error)
        return _fail(message or type(error).__name__, code, prefix=code != EXIT_CANCELLED)


def _run(args: argparse.Namespace, argv: list[str]) -> int:
    from .engine import CancelToken

    cancel = CancelToken()
    with _interrupt_cancels(cancel):
        if args.command == "deconvolve":
            from .cli_deconvolve import run_deconvolve

            return run_deconvolve(args, cancel)
        if args.command == "denoise":
            from .cli_denoise import run_denoise

            return run_denoise(args, cancel)
        if args.command == "demo":
            from .cli_demo import run_demo

            return run_demo(args, cancel)
        if args.command in ("train", "models"):
            from .cli_train import run_models, run_train

            return run_train(args, cancel) if args.command == "train" else run_models(args)
        from .benchmarks import SUITES, run_benchmarks

        suites = SUITES if args.suite == "all" else (args.suite,)
        return run_benchmarks(quick=args.quick, output=args.output, device=args.device,
                              command=" ".join([PROG, *argv]), suites=suites,
                              real_image=args.real_image)


@contextlib.contextmanager
def _interrupt_cancels(cancel):
    """While a job runs, the first Ctrl-C sets ``cancel`` (the verb stops at its next step);
    a second one interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_interrupt(signum, frame):
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _exit_code(error: Exception) -> Optional[int]:
    from .engine import Cancelled  # already loaded by every command that can raise it

    if isinstance(error, Cancelled):
        return EXIT_CANCELLED
    if isinstance(error, (ValueError, FileNotFoundError, IsADirectoryError, PermissionError)):
        return EXIT_BAD_INPUT
    if isinstance(error, OSError) or _out_of_memory(error):
        return EXIT_FAILED
    return None


def _out_of_memory(error: Exception) -> bool:
    """Host memory, or an accelerator's (torch's OutOfMemoryError is a RuntimeError)."""
    torch = sys.modules.get("torch")  # loaded by whatever ran out of device memory
    return isinstance(error, MemoryError) or (
        torch is not None and isinstance(error, torch.OutOfMemoryError))


def _fail(message: str, code: int, prefix: bool = True) -> int:
    line = " ".join(message.split())
    print(f"{PROG}: error: {line}" if prefix else f"{PROG}: {line}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
