"""Dock settings round-trip through JSON in the configured folder and survive damaged files."""
from __future__ import annotations

from napari_inverse._napari.settings import load_settings, save_settings


def test_saved_values_come_back(config_dir):
    save_settings("deconvolve", {"na": 1.2, "method": "wiener"})
    assert (config_dir / "deconvolve.json").exists()
    assert load_settings("deconvolve") == {"na": 1.2, "method": "wiener"}


def test_missing_or_damaged_files_give_no_values(config_dir):
    assert load_settings("deconvolve") == {}
    config_dir.mkdir()
    (config_dir / "deconvolve.json").write_text("{not json")
    assert load_settings("deconvolve") == {}
    (config_dir / "deconvolve.json").write_text("[1, 2]")
    assert load_settings("deconvolve") == {}
