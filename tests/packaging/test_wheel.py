"""The plugin as napari finds it: one real manifest inside the package, in installs and wheels."""
from __future__ import annotations

import stat
import subprocess
import sys
import zipfile
from importlib import metadata, resources
from pathlib import Path

import pytest
from npe2 import PluginManifest

import napari_inverse

ROOT = Path(__file__).resolve().parents[2]


def test_the_installed_manifest_is_a_real_file_inside_the_package():
    manifest = resources.files("napari_inverse") / "napari.yaml"
    assert Path(str(manifest)).is_file() and not Path(str(manifest)).is_symlink()
    assert PluginManifest.from_distribution("napari-inverse").name == "napari-inverse"


def test_the_version_has_one_source():
    assert metadata.version("napari-inverse") == napari_inverse.__version__


@pytest.mark.slow
def test_the_wheel_holds_the_manifest_as_a_plain_file_and_no_links(tmp_path):
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        kinds = {info.filename: stat.S_IFMT(info.external_attr >> 16)
                 for info in archive.infolist()}
        entry_points = next(archive.read(name).decode() for name in kinds
                            if name.endswith(".dist-info/entry_points.txt"))
    assert kinds["napari_inverse/napari.yaml"] in (stat.S_IFREG, 0)
    assert not [name for name, kind in kinds.items() if kind == stat.S_IFLNK]
    assert "napari-inverse = napari_inverse:napari.yaml" in entry_points
    assert any(name.startswith("napari_inverse/zoo/shipped/") for name in kinds)
