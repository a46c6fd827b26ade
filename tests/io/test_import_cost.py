"""Opening a file in napari must not wait for torch: the io layer imports without it."""
import subprocess
import sys


def test_io_imports_without_torch():
    code = "import sys, napari_inverse.io; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
