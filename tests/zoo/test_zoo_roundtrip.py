"""Saving and loading: every family comes back with identical outputs and shows in the pickers."""
from __future__ import annotations

import pytest
import torch

from napari_inverse.cli import main
from napari_inverse.zoo import (FAMILIES, ModelCard, build_network, list_models, load_model,
                                save_model)

SMALL = {
    "mrbcr": {},  # m-rBCR and s-rBCR have one fixed, small architecture
    "srbcr": {},
    "care": {"ndim": 2, "depth": 1, "first_filters": 4, "probabilistic": True},
    "n2v": {"ndim": 2, "depth": 1, "first_filters": 4, "batch_norm": True, "n2v2": True},
    "focus": {"ndim": 2, "depth": 1, "first_filters": 4, "residual": False},  # a sigmoid head
    "cvdm": {"width": 4, "depth": 1, "schedule_width": 4, "schedule_depth": 1, "time_hidden": 8},
    "zmd": {"condition_channels": 1, "mean_width": 4, "mean_depth": 1, "width": 4, "depth": 1,
            "schedule_width": 4, "time_hidden": 8},  # its predictor is the mean network
}


def test_every_family_has_a_round_trip_case():
    assert set(SMALL) == set(FAMILIES)


@pytest.mark.parametrize("family_name", sorted(SMALL))
def test_saved_model_loads_with_identical_outputs(family_name, image):
    card = ModelCard(name=f"tiny-{family_name}", family=family_name, task="deconvolution",
                     architecture=SMALL[family_name])
    net = build_network(family_name, card.architecture)
    if family_name != "cvdm":  # CVDM has no batch norm and no one-input forward
        net.train()(image)  # moves batch-norm running statistics away from their initial values
    entry = save_model(net, card)
    assert entry.weights.is_file() and len(entry.card.sha256) == 64
    assert entry.card.parameter_count == sum(p.numel() for p in net.parameters())

    loaded = load_model(card.name)
    assert not loaded.net.training
    family = FAMILIES[family_name]
    with torch.no_grad():
        expected = family.predictor(net.eval())(image)
        got = loaded.predict(image)
        untrained = family.predictor(build_network(family_name, card.architecture).eval())(image)
    saved = net.state_dict()
    assert all(torch.equal(v, saved[k]) for k, v in loaded.net.state_dict().items())
    # loading lays 2-D networks out channels-last (faster kernels): same maths, other rounding
    torch.testing.assert_close(got[0], expected[0], rtol=1e-5, atol=1e-5)
    assert (got[1] is None) == (expected[1] is None)
    if expected[1] is not None:
        torch.testing.assert_close(got[1], expected[1], rtol=1e-5, atol=1e-5)
    assert not torch.equal(untrained[0], expected[0])  # the weights, not the seed, made them equal


def test_saved_model_is_listed(small_care):
    net, card = small_care
    save_model(net, card)
    [entry] = [e for e in list_models() if e.name == card.name]
    assert entry.source == "user"
    assert [e.name for e in list_models(task="deconvolution", family_name="care")
            if e.source != "shipped"] == [card.name]
    assert all(e.source == "shipped" for e in list_models(task="denoising"))


def test_model_saved_elsewhere_is_remembered(small_care, tmp_path, image):
    net, card = small_care
    save_model(net, card, tmp_path / "project" / "models")
    assert [e.name for e in list_models() if e.source == "user"] == [card.name]
    with torch.no_grad():
        torch.testing.assert_close(load_model(card.name).predict(image)[0], net.eval()(image),
                                   rtol=1e-5, atol=1e-5)
    save_model(net, card, tmp_path / "project" / "models")  # remembered once, listed once
    assert [e.name for e in list_models() if e.source == "user"] == [card.name]


def test_load_model_accepts_a_folder_or_weights_path(small_care, tmp_path):
    net, card = small_care
    entry = save_model(net, card, tmp_path / "elsewhere")
    assert load_model(tmp_path / "elsewhere").card == entry.card
    assert load_model(entry.weights).card == entry.card


def test_unknown_name_lists_the_known_models(small_care):
    net, card = small_care
    save_model(net, card)
    with pytest.raises(ValueError, match="tiny-care"):
        load_model("no-such-model")


def test_models_command_lists_a_saved_model(small_care, capsys):
    net, card = small_care
    save_model(net, card)
    assert main(["models"]) == 0
    line = [row for row in capsys.readouterr().out.splitlines() if row.startswith(card.name)]
    assert len(line) == 1 and "user" in line[0] and "care" in line[0]
