"""A verb's failure in a dock reaches the user as a napari notification with the verb's message,
never as a traceback on the console: bad optics, a model file removed after it was picked, too
little memory, and a GPU out of memory (retried with smaller tiles, and said so)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_inverse.engine import memory_budget
from napari_inverse.simulate.pairs import deconvolution_pair, denoising_pair
from napari_inverse.zoo import ModelCard, build_network, save_model
from napari_inverse.zoo.registry import MODELS_DIR_ENV, LoadedModel

from .test_deconvolve_dock import run_and_wait

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("single_thread")]


def add_layer(viewer, pair, name):
    optics = pair.metadata["optics"]
    return viewer.add_image(pair.input.copy(), name=name, metadata={"optics": optics},
                            scale=(optics["pixel_size_nm"] / 1000,) * 2)


def errors(notifications) -> list[str]:
    return [message for severity, message in notifications if "error" in severity]


def assert_no_traceback(capfd) -> None:
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err


def test_an_na_above_the_media_index_is_an_error_notification(open_dock, qtbot, notifications,
                                                              capfd):
    viewer, dock = open_dock()
    dock.image.value = add_layer(viewer, deconvolution_pair(0, (64, 64), "microtubules"), "cells")
    dock.na.value, dock.refractive_index.value = 1.45, 1.33
    dock.run_button.clicked()
    qtbot.waitUntil(lambda: bool(errors(notifications)), timeout=5_000)
    assert "must be below the immersion refractive index 1.33" in errors(notifications)[0]
    assert not dock.runner.running and dock.run_button.enabled
    assert len(viewer.layers) == 1
    assert_no_traceback(capfd)


def test_a_model_file_removed_after_it_was_picked(open_dock, make_napari_viewer, qtbot,
                                                  notifications, capfd, tmp_path, monkeypatch):
    monkeypatch.setenv(MODELS_DIR_ENV, str(tmp_path / "my-models"))
    viewer, dock = open_dock(widget="Denoise")
    dock.image.value = add_layer(viewer, denoising_pair(0, (64, 64), "microtubules"), "noisy")
    card = ModelCard(name="my-care", family="care", task="denoising",
                     architecture={"ndim": 2, "depth": 1, "first_filters": 4})
    saved = save_model(build_network(card.family, card.architecture), card)
    dock.models.refresh_button.clicked()
    dock.models.model.value = str(saved.weights)
    saved.weights.unlink()
    run_and_wait(qtbot, dock)
    qtbot.waitUntil(lambda: bool(errors(notifications)), timeout=5_000)
    assert saved.weights.name in errors(notifications)[0]
    assert len(viewer.layers) == 1 and dock.message.value == "failed"
    assert_no_traceback(capfd)


def test_too_little_memory_is_an_error_notification(open_dock, qtbot, notifications, capfd,
                                                    monkeypatch):
    monkeypatch.setattr(memory_budget, "available_memory_bytes", lambda: 1024)
    viewer, dock = open_dock()
    dock.image.value = add_layer(viewer, deconvolution_pair(0, (64, 64), "microtubules"), "cells")
    run_and_wait(qtbot, dock)
    qtbot.waitUntil(lambda: bool(errors(notifications)), timeout=5_000)
    assert "of memory, but only 0.0 GB is available" in errors(notifications)[0]
    assert len(viewer.layers) == 1
    assert_no_traceback(capfd)


def test_a_gpu_out_of_memory_retries_with_smaller_tiles_and_says_so(open_dock, qtbot,
                                                                    notifications, capfd,
                                                                    monkeypatch):
    predict = LoadedModel.predict

    def predict_or_fail(self, x, dtype=torch.float32):
        if max(x.shape[-2:]) > 200:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
        return predict(self, x, dtype)

    monkeypatch.setattr(LoadedModel, "predict", predict_or_fail)
    viewer, dock = open_dock(widget="Denoise")
    dock.image.value = add_layer(viewer, denoising_pair(0, (236, 230), "microtubules"), "noisy")
    run_and_wait(qtbot, dock)
    qtbot.waitUntil(lambda: len(viewer.layers) == 2, timeout=5_000)
    metadata = viewer.layers[-1].metadata["napari_inverse"]
    assert metadata["out_of_memory_retries"] == 1 and metadata["tile_limit"] == [128, 128]
    warned = [m for severity, m in notifications if "warning" in severity]
    assert any("retrying with smaller tiles" in message for message in warned)
    assert not errors(notifications)
    assert np.isfinite(viewer.layers[-1].data).all()
    notifications.clear()
    run_and_wait(qtbot, dock)  # a second job says it again
    qtbot.waitUntil(lambda: any("smaller tiles" in m for _, m in notifications), timeout=5_000)
    assert_no_traceback(capfd)


def test_the_pixel_size_warning_stays_in_the_dock_not_in_a_notification(open_dock, qtbot,
                                                                         notifications):
    viewer, dock = open_dock(widget="Denoise")
    pair = denoising_pair(0, (96, 96), "microtubules")
    layer = viewer.add_image(pair.input, name="noisy", scale=(0.02, 0.02))  # 20 nm pixels
    dock.image.value = layer
    run_and_wait(qtbot, dock)
    qtbot.waitUntil(lambda: len(viewer.layers) == 2, timeout=5_000)
    assert "⚠" in dock.models.pixel_check.warning.value  # the dock's own line says it
    assert not [m for severity, m in notifications if "warning" in severity]
