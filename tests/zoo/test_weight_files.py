"""Damaged, mismatched or hostile weight files are refused with a message, and never executed."""
from __future__ import annotations

import json
import pickle

import pytest

from napari_inverse.zoo import (ModelCard, ModelFileError, build_network, list_models, load_model,
                                load_weights, save_model, sha256_of)
from napari_inverse.zoo.weights import sha256_problem


def flip_bytes(path, at: int, count: int = 8) -> None:
    data = bytearray(path.read_bytes())
    for i in range(at, at + count):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def test_flipped_bytes_are_refused(small_care):
    net, card = small_care
    entry = save_model(net, card)
    flip_bytes(entry.weights, entry.weights.stat().st_size // 2)
    with pytest.raises(ModelFileError, match="truncated, corrupted or was changed"):
        load_model(card.name)


def test_truncated_file_is_refused(small_care):
    net, card = small_care
    entry = save_model(net, card)
    entry.weights.write_bytes(entry.weights.read_bytes()[:-100])
    with pytest.raises(ModelFileError, match="truncated, corrupted"):
        load_model(card.name)
    # With a hash that matches the cut file, the safetensors reader itself notices the cut.
    with pytest.raises(ModelFileError, match="not a readable safetensors file.*truncated"):
        load_weights(build_network(card.family, card.architecture), entry.weights,
                     sha256_of(entry.weights))


def test_missing_file_is_refused(small_care, tmp_path):
    net, _ = small_care
    with pytest.raises(ModelFileError, match="does not exist"):
        load_weights(net, tmp_path / "absent.safetensors", "0" * 64)


@pytest.mark.parametrize("architecture, problem", [
    ({"first_filters": 8}, "do not fit the network"),  # not the network saved
    ({"attention_heads": 4}, "describes no network this version builds"),  # a newer version's
])
def test_a_card_not_describing_its_weights_is_refused(small_care, architecture, problem):
    net, card = small_care
    card.architecture = {**card.architecture, **architecture}
    save_model(net, card)
    with pytest.raises(ModelFileError, match=problem):
        load_model(card.name)


def test_stray_card_hides_no_other_model(small_care, isolated_zoo):
    net, card = small_care
    entry = save_model(net, card)
    stray = entry.weights.parent.parent / "stray"
    stray.mkdir()
    (stray / "stray.json").write_text('[{"name": "stray"}]', encoding="utf-8")
    (stray / "stray.safetensors").write_bytes(b"")
    assert [e.name for e in list_models(family_name="care") if e.source == "user"] == [card.name]


class _Payload:
    """Unpickling this creates ``marker``: proof that loading a file ran code from it."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, "w")


def test_pickle_renamed_to_safetensors_is_refused_unexecuted(tmp_path):
    probe = tmp_path / "probe"
    pickle.loads(pickle.dumps(_Payload(probe))).close()
    assert probe.exists()  # the payload really does run when unpickled

    marker = tmp_path / "executed"
    folder = tmp_path / "hostile"
    folder.mkdir()
    weights = folder / "hostile.safetensors"
    weights.write_bytes(pickle.dumps({"encoders.0.0.weight": _Payload(marker)}))
    card = ModelCard(name="hostile", family="care", task="deconvolution",
                     architecture={"ndim": 2, "depth": 1, "first_filters": 4},
                     sha256=sha256_of(weights))  # the hash matches: only the format protects
    card.save(folder / "hostile.json")
    with pytest.raises(ModelFileError, match="not a readable safetensors file"):
        load_model(weights)
    assert not marker.exists()


@pytest.mark.parametrize("recorded", [None, "", "abc", "AB" * 32])
def test_a_card_without_a_valid_sha256_is_refused_with_how_to_resave(small_care, recorded):
    net, card = small_care
    entry = save_model(net, card)
    card_path = entry.weights.with_suffix(".json")
    saved = json.loads(card_path.read_text(encoding="utf-8"))
    if recorded is None:
        del saved["sha256"]
    else:
        saved["sha256"] = recorded
    card_path.write_text(json.dumps(saved), encoding="utf-8")
    with pytest.raises(ModelFileError, match=r"sha256.*not loaded\. Save the model again"):
        load_model(card.name)


def test_every_save_writes_the_sha256_of_its_weights(small_care):
    net, card = small_care
    card.sha256 = ""
    entry = save_model(net, card)
    saved = json.loads(entry.weights.with_suffix(".json").read_text(encoding="utf-8"))
    assert saved["sha256"] == sha256_of(entry.weights)


def test_every_shipped_model_has_a_matching_sha256():
    shipped = [e for e in list_models() if e.source == "shipped"]
    assert len(shipped) >= 5
    for entry in shipped:
        assert sha256_problem(entry.card.sha256) is None, entry.name
        assert sha256_of(entry.weights) == entry.card.sha256, entry.name
