"""The entry point: instant help, a package without import circles, and the exit statuses of
a cancelled or failed run, each with one line on stderr."""
import signal
import subprocess
import sys
import zlib

import grimp
import pytest
import torch

from napari_inverse.cli import COMMANDS, main

OPTICS = ["--na", "1.4", "--wavelength", "520"]


def test_help_does_not_import_torch():
    code = ("import sys, contextlib, io\nfrom napari_inverse.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()): main(['deconvolve', '--help'])\n"
            "print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "napari_inverse.cli", "models", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "--recipes" in done.stdout, done.stderr


def test_no_module_of_the_package_imports_it_back():
    """Command modules and their helpers import only downwards: never ``cli/__init__``, and
    no circle among them (``__main__`` is the one importer of the package)."""
    graph = grimp.build_graph("napari_inverse", cache_dir=None)
    package = "napari_inverse.cli"
    modules = graph.find_children(package) - {f"{package}.__main__"}
    assert {command.__name__ for command in COMMANDS} <= modules
    for module in modules:
        imported = graph.find_modules_directly_imported_by(module)
        assert package not in imported, module
        for other in imported & modules:
            assert not graph.chain_exists(importer=other, imported=module), (module, other)


def test_no_command_is_one_line_with_status_2(error_line):
    assert main([]) == 2
    line = error_line()
    assert line.startswith("napari-inverse: error: ") and "required: command" in line


def test_ctrl_c_cancels_with_status_130_and_writes_nothing(blurred, tmp_path, monkeypatch,
                                                           error_line):
    def interrupt(self, done, total, message=""):
        signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr("napari_inverse.cli._common.ProgressBar.__call__", interrupt)
    out = tmp_path / "never.ome.tif"
    assert main(["deconvolve", str(blurred[0]), "-o", str(out), *OPTICS]) == 130
    assert error_line().startswith("napari-inverse: cancelled")
    assert not out.exists()


def test_an_interrupt_inside_the_verb_exits_130_with_one_line(blurred, tmp_path, monkeypatch,
                                                              error_line):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("napari_inverse.methods.deconvolve", interrupted)
    out = tmp_path / "never.ome.tif"
    assert main(["deconvolve", str(blurred[0]), "-o", str(out), *OPTICS]) == 130
    assert error_line() == "napari-inverse: cancelled"
    assert not out.exists()


def test_a_gpu_out_of_memory_is_one_line_with_the_fix(blurred, monkeypatch, error_line):
    def exhausted(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr("napari_inverse.methods.deconvolve", exhausted)
    assert main(["deconvolve", str(blurred[0]), *OPTICS]) == 2
    line = error_line()
    assert "out of memory" in line and "--device cpu" in line


def test_a_decoder_error_outside_the_reader_names_the_input(blurred, monkeypatch, error_line):
    """A damaged file read lazily, after the reader returned, is still one line naming it."""
    def damaged(*args, **kwargs):
        raise zlib.error("Error -3 while decompressing data: invalid block type")

    monkeypatch.setattr("napari_inverse.methods.deconvolve", damaged)
    assert main(["deconvolve", str(blurred[0]), *OPTICS]) == 2
    line = error_line()
    assert f"cannot read '{blurred[0]}'" in line and "zlib.error: Error -3" in line


def test_a_bug_keeps_its_traceback(blurred, monkeypatch):
    def broken(*args, **kwargs):
        raise AttributeError("'NoneType' object has no attribute 'shape'")

    monkeypatch.setattr("napari_inverse.methods.deconvolve", broken)
    with pytest.raises(AttributeError):
        main(["deconvolve", str(blurred[0]), *OPTICS])


def test_a_command_tunes_the_allocator_for_its_run_only(blurred, monkeypatch):
    from napari_inverse.engine import InvalidInput, memory

    seen = []

    def verb(*args, **kwargs):
        seen.append(memory._tuning_allowed)
        raise InvalidInput("stop here")

    monkeypatch.setattr(memory, "_tuning_allowed", False)
    monkeypatch.setattr("napari_inverse.methods.deconvolve", verb)
    assert main(["deconvolve", str(blurred[0]), *OPTICS]) == 2
    assert seen == [True] and memory._tuning_allowed is False
