"""Fixtures for the napari face: isolated settings (the plugin's and napari's own), recorded
notifications, an opened dock."""
from __future__ import annotations

import pytest

from napari_inverse._napari.settings import CONFIG_DIR_ENV


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch):
    """Every test stores dock settings in its own folder, never in the user's config."""
    folder = tmp_path / "config"
    monkeypatch.setenv(CONFIG_DIR_ENV, str(folder))
    return folder


@pytest.fixture(autouse=True)
def napari_settings(tmp_path_factory, monkeypatch):
    """napari's own settings live in a folder of this test's (beside ``tmp_path``, as the zoo's
    do), so a test that changes them (a reader preference) never writes the user's napari
    configuration."""
    from napari import settings

    folder = tmp_path_factory.mktemp("napari-settings")
    isolated = settings.NapariSettings(config_path=folder / "settings.yaml")
    isolated._connect_events()
    monkeypatch.setattr(settings, "_SETTINGS", isolated)
    return isolated


@pytest.fixture
def notifications():
    """Notifications shown during the test, as (severity name, message) pairs."""
    from napari.utils.notifications import notification_manager

    seen: list[tuple[str, str]] = []

    def record(event) -> None:
        notification = getattr(event, "value", event)
        seen.append((str(notification.severity).lower(), str(notification.message)))

    notification_manager.notification_ready.connect(record)
    yield seen
    notification_manager.notification_ready.disconnect(record)


@pytest.fixture
def open_dock(make_napari_viewer, qtbot):
    """Open one of napari-inverse's docks (Deconvolve unless named) the way a user does;
    returns (viewer, dock)."""
    opened = []

    def factory(viewer=None, widget="Deconvolve"):
        viewer = viewer or make_napari_viewer()
        _, dock = viewer.window.add_plugin_dock_widget("napari-inverse", widget)
        opened.append(dock)
        return viewer, dock

    yield factory
    for dock in opened:  # never leave a worker thread running into the next test
        dock.runner.cancel()
        qtbot.waitUntil(lambda dock=dock: not dock.runner.running, timeout=10_000)
