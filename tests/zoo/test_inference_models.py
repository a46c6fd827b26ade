"""On a CPU the verbs share one network per model file, and a file saved again is loaded again."""
from __future__ import annotations

import os

import pytest
import torch

from napari_inverse.training.fine_tuning import starting_network
from napari_inverse.zoo import (ModelCard, ModelFileError, build_network, load_model_for_inference,
                               save_model)

from .test_weight_files import flip_bytes


def test_inference_calls_share_one_network_and_fine_tuning_gets_its_own(small_care):
    net, card = small_care
    save_model(net, card)
    first, again = load_model_for_inference(card.name), load_model_for_inference(card.name)
    assert first.net is again.net
    trained, _ = starting_network("care", card.name, "deconvolution", seed=0)
    assert trained is not first.net  # fine_tune changes its weights in place


def test_each_call_gets_its_own_card(small_care):
    net, card = small_care
    save_model(net, card)
    load_model_for_inference(card.name).card.name = "changed by a caller"
    assert load_model_for_inference(card.name).card.name == card.name


def test_a_model_saved_again_is_loaded_again(small_care):
    net, card = small_care
    save_model(net, card)
    before = load_model_for_inference(card.name)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(1.0)
    save_model(net, card)  # same name and folder, new weights and card
    after = load_model_for_inference(card.name)
    assert after.net is not before.net
    for new, old in zip(after.net.parameters(), before.net.parameters()):
        torch.testing.assert_close(new, old + 1.0)


def test_a_file_damaged_after_loading_is_refused(small_care):
    """Same size, same card: only the modification time tells the damaged file apart."""
    net, card = small_care
    entry = save_model(net, card)
    load_model_for_inference(card.name)
    flip_bytes(entry.weights, entry.weights.stat().st_size // 2)
    stamp = entry.weights.stat().st_mtime_ns + 10**9  # as a write a second later would leave it;
    os.utime(entry.weights, ns=(stamp, stamp))  # older kernels stamp files only every few ms
    with pytest.raises(ModelFileError, match="truncated, corrupted or was changed"):
        load_model_for_inference(card.name)


def test_a_card_without_its_weights_is_a_model_file_error(small_care):
    net, card = small_care
    entry = save_model(net, card)
    entry.weights.unlink()
    with pytest.raises(ModelFileError, match="does not exist"):
        load_model_for_inference(entry.weights)


def test_a_3d_network_runs_channels_last_on_a_cpu_with_the_same_numbers(tmp_path):
    card = ModelCard(name="tiny-3d", family="care", task="denoising",
                     architecture={"ndim": 3, "depth": 1, "first_filters": 8})
    torch.manual_seed(3)
    net = build_network(card.family, card.architecture).eval()
    entry = save_model(net, card, tmp_path / "tiny-3d")
    loaded = load_model_for_inference(entry.weights)
    widest = max((p for p in loaded.net.parameters() if p.ndim == 5), key=lambda p: p.shape[1])
    assert widest.shape[1] > 1 and widest.is_contiguous(memory_format=torch.channels_last_3d)
    x = torch.rand(1, 1, 12, 40, 36)
    with torch.inference_mode():
        torch.testing.assert_close(loaded.predict(x)[0], net(x))


def test_gpu_models_are_kept_only_while_a_chunked_job_asks(monkeypatch):
    """On a GPU each call loads afresh (memory goes back after a job), except inside
    `keeping_device_models`, where a chunked job's chunks share one load until forgotten."""
    from napari_inverse.zoo import registry

    loads = []
    monkeypatch.setattr(registry, "load_model",
                        lambda name, device: loads.append((name, str(device))) or object())
    device = torch.device("cuda:0")  # never touched: load_model is replaced
    registry.load_model_for_inference("m", device)
    registry.load_model_for_inference("m", device)
    assert len(loads) == 2
    with registry.keeping_device_models():
        kept = registry.load_model_for_inference("m", device)
        assert registry.load_model_for_inference("m", device) is kept
    assert len(loads) == 3
    assert registry.load_model_for_inference("m", device) is not kept  # outside: a fresh load
    registry.forget_shared_models()
    with registry.keeping_device_models():
        assert registry.load_model_for_inference("m", device) is not kept
    registry.forget_shared_models()
