"""The npe2 manifest is valid and every command it names can be imported."""
from __future__ import annotations

from npe2 import PluginManifest


def test_manifest_is_valid_and_its_commands_import():
    manifest = PluginManifest.from_distribution("napari-inverse")
    manifest.validate_imports()
    widgets = [w.display_name for w in manifest.contributions.widgets]
    assert widgets == ["Deconvolve", "Denoise", "Super-resolve", "Phase", "Focus", "Train"]
    assert [s.key for s in manifest.contributions.sample_data] == [
        "widefield_filaments", "widefield_actin", "widefield_ccp", "widefield_er", "noisy_nuclei",
        "brightfield_defocus_stack", "focal_stack",
    ]
