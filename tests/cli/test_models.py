"""``napari-inverse models``: export and import BioImage Model Zoo packages from the command
line, with bad packages one line and status 2."""
from __future__ import annotations

from pathlib import Path

import bioimageio.spec  # noqa: F401  (the testing extra: missing, these tests fail)
import numpy as np

from napari_inverse.cli import main
from napari_inverse.zoo import find_model, load_model
from napari_inverse.zoo.inference import apply_model

CAREAMICS_ZIP = Path(__file__).parents[1] / "zoo" / "fixtures" / "careamics_n2v.zip"


def test_import_export_and_import_again_predict_alike(tmp_path, capsys, single_thread):
    """A CAREamics model in, out as this project's package (its fixed mean/std scaling as
    pre- and postprocessing), in again under a new name: the same predictions, bit for bit."""
    assert main(["models", "import", str(CAREAMICS_ZIP)]) == 0
    package = tmp_path / "n2v.zip"
    assert main(["models", "export", "careamics-n2v-fixture", "-o", str(package)]) == 0
    assert main(["models", "import", str(package), "--name", "again"]) == 0
    assert "imported again (n2v, denoising)" in capsys.readouterr().out
    image = np.random.default_rng(0).poisson(110, (64, 72)).astype(np.float32)
    first, _ = apply_model(load_model("careamics-n2v-fixture"), image)
    second, _ = apply_model(load_model("again"), image)
    assert np.array_equal(first, second)
    assert find_model("again").card.normalisation == find_model(
        "careamics-n2v-fixture").card.normalisation


def test_a_bad_package_is_one_line_with_status_2(tmp_path, error_line):
    not_a_zip = tmp_path / "model.zip"
    not_a_zip.write_bytes(b"plain text")
    assert main(["models", "import", str(not_a_zip)]) == 2
    assert "is not a zip file" in error_line()


def test_an_unknown_model_is_one_line_with_status_2(tmp_path, error_line):
    assert main(["models", "export", "no-such-model", "-o", str(tmp_path / "x.zip")]) == 2
    assert "no model called 'no-such-model'" in error_line()
