"""On a CPU the verbs share one network per model file, and a file saved again is loaded again."""
from __future__ import annotations

import pytest
import torch

from napari_inverse.zoo import ModelFileError, load_model, load_model_for_inference, save_model

from .test_weight_files import flip_bytes


def test_inference_calls_share_one_network_and_training_gets_its_own(small_care):
    net, card = small_care
    save_model(net, card)
    first, again = load_model_for_inference(card.name), load_model_for_inference(card.name)
    assert first is again
    assert load_model(card.name).net is not first.net  # fine_tune trains a private copy


def test_a_model_saved_again_is_loaded_again(small_care):
    net, card = small_care
    save_model(net, card)
    before = load_model_for_inference(card.name)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(1.0)
    save_model(net, card)  # same name and folder, new weights and card
    after = load_model_for_inference(card.name)
    assert after is not before
    for new, old in zip(after.net.parameters(), before.net.parameters()):
        torch.testing.assert_close(new, old + 1.0)


def test_a_file_damaged_after_loading_is_refused(small_care):
    net, card = small_care
    entry = save_model(net, card)
    load_model_for_inference(card.name)
    flip_bytes(entry.weights, entry.weights.stat().st_size // 2)
    with pytest.raises(ModelFileError, match="truncated, corrupted or was changed"):
        load_model_for_inference(card.name)
