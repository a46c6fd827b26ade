"""BioImage Model Zoo packages out: what bioimageio.spec validates and bioimageio.core runs,
and back in with bit-identical predictions."""
from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys
import zipfile

import bioimageio.spec  # noqa: F401  (the testing extra: missing, these tests fail)
import numpy as np
import pytest
import torch
import yaml

from napari_inverse.engine.validation import InvalidInput
from napari_inverse.methods.model_export import export_model, packaged_prediction
from napari_inverse.zoo import FAMILIES, ModelCard, build_network, list_models, load_model
from napari_inverse.zoo.focus_inference import DEPTH_OF_FIELD_SCALE, focus_probability
from napari_inverse.zoo.inference import apply_model
from napari_inverse.zoo.package_import import import_package
from napari_inverse.zoo.registry import save_model


@pytest.fixture(autouse=True)
def _one_thread(single_thread):
    yield


@pytest.fixture
def tiny_user_model(tmp_path):
    """A small fine-tuned-looking CARE model with random weights and non-zero biases."""
    card = ModelCard(name="tiny-user-care", family="care", task="denoising",
                     architecture={"ndim": 2, "depth": 2, "first_filters": 4, "kernel_size": 3},
                     pixel_size_nm=80.0, description="a test model")
    net = build_network(card.family, card.architecture)
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.add_(0.05 * torch.randn_like(parameter))
    return save_model(net, card, tmp_path / "tiny")


def test_export_then_import_predicts_bit_identically(tiny_user_model, tmp_path):
    image = np.random.default_rng(0).poisson(50, (96, 112)).astype(np.float32)
    package = export_model(tiny_user_model.weights, tmp_path / "tiny.zip", test_image=image)
    imported = import_package(package, name="tiny-again")
    before, _ = apply_model(load_model(tiny_user_model.weights), image)
    after, _ = apply_model(load_model(imported.weights), image)
    assert np.array_equal(before, after)
    card, original = imported.card, tiny_user_model.card
    assert (card.family, card.task, card.architecture, card.pixel_size_nm, card.description) == (
        original.family, original.task, original.architecture, 80.0, "a test model")


def test_the_package_states_pixel_size_normalisation_and_paper(tiny_user_model, tmp_path):
    image = np.random.default_rng(1).poisson(50, (96, 96)).astype(np.float32)
    package = export_model(tiny_user_model.weights, tmp_path / "tiny.zip", test_image=image)
    with zipfile.ZipFile(package) as files:
        rdf = yaml.safe_load(files.read("rdf.yaml"))
        test_output = np.load(io.BytesIO(files.read("test_output_restored.npy")))
        names = set(files.namelist())
    (raw,) = rdf["inputs"]
    space = [axis for axis in raw["axes"] if axis["type"] == "space"]
    assert [(a["id"], a["scale"], a["unit"]) for a in space] == [("y", 80.0, "nanometer"),
                                                                 ("x", 80.0, "nanometer")]
    scaling = [step for step in raw["preprocessing"] if step["id"] == "scale_range"]
    assert scaling[0]["kwargs"]["min_percentile"] == 1.0
    assert scaling[0]["kwargs"]["max_percentile"] == 99.8
    assert rdf["cite"][0]["doi"] == "10.1038/s41592-018-0216-7"
    assert rdf["license"] == "BSD-3-Clause"
    architecture = rdf["weights"]["pytorch_state_dict"]["architecture"]
    assert architecture["callable"] == "UNet" and architecture["source"] in names
    assert {"README.md", "cover.png", "test_input.npy"} <= names
    net = build_network("care", tiny_user_model.card.architecture)
    net.load_state_dict(load_model(tiny_user_model.weights).net.state_dict())
    assert np.array_equal(test_output, packaged_prediction(net.eval(), image[None, None],
                                                           tiny_user_model.card)[0])


def test_the_focus_model_exports_and_imports_bit_identically(tmp_path):
    """The in-focus U-Net's package: slice k with its neighbours as channels, one batch entry
    per slice, percentiles over the whole batch (the stack), the depth of field in planes built
    into the network (`nets.focus_unet`), a sigmoid after it; the round trip predicts every
    slice's probability bit for bit."""
    stack = np.random.default_rng(3).poisson(40, (5, 70, 66)).astype(np.float32)
    package = export_model("focus-widefield", tmp_path / "focus.zip", test_image=stack)
    with zipfile.ZipFile(package) as files:
        rdf = yaml.safe_load(files.read("rdf.yaml"))
        test_input = np.load(io.BytesIO(files.read("test_input.npy")))
        test_output = np.load(io.BytesIO(files.read("test_output_probability.npy")))
    (raw,), (probability,) = rdf["inputs"], rdf["outputs"]
    assert raw["axes"][1]["channel_names"] == [
        "plane_k_minus_3", "plane_k_minus_2", "plane_k_minus_1", "plane_k", "plane_k_plus_1",
        "plane_k_plus_2", "plane_k_plus_3"]
    assert test_input.shape == (5, 7, 64, 64)  # cropped to the U-Net's steps of 8
    assert np.array_equal(test_input[0], stack[[0, 0, 0, 0, 1, 2, 3], :64, :64])  # ends repeated
    assert np.array_equal(test_input[:, 3], stack[:, :64, :64])
    scaling = [step for step in raw["preprocessing"] if step["id"] == "scale_range"]
    assert scaling[0]["kwargs"]["axes"] == ["batch", "channel", "y", "x"]
    architecture = rdf["weights"]["pytorch_state_dict"]["architecture"]
    assert architecture["callable"] == "DepthOfFieldUNet"
    depth_of_field = architecture["kwargs"]["depth_of_field_channel"] / DEPTH_OF_FIELD_SCALE
    assert probability["id"] == "probability"
    assert probability["postprocessing"][0]["id"] == "sigmoid"
    assert 0 <= test_output.min() and test_output.max() <= 1
    imported = import_package(package, name="focus-again")
    assert (imported.card.family, imported.card.task) == ("focus", "focus")
    before = focus_probability(load_model("focus-widefield"), stack, depth_of_field)
    after = focus_probability(load_model(imported.weights), stack, depth_of_field)
    assert np.array_equal(before, after)
    ours = focus_probability(load_model("focus-widefield"), test_input[:, 3], depth_of_field)
    assert np.abs(test_output[:, 0] - ours).max() < 1e-4  # the built-in channel is ours


def test_a_focus_test_image_must_be_a_focal_stack(tmp_path):
    with pytest.raises(InvalidInput, match=r"must be a focal stack \(Z, Y, X\) of planes of at "
                                           r"least 32 × 32 pixels, got shape \(64, 64\)"):
        export_model("focus-widefield", tmp_path / "focus.zip",
                     test_image=np.ones((64, 64), np.float32))


@pytest.mark.parametrize("change, message", [
    ({"needs_sampling": True}, "Diffusion model, which predicts by drawing samples"),
    ({"packaged": None}, "Diffusion models cannot be exported yet"),
])
def test_a_family_is_refused_by_its_properties(tiny_user_model, tmp_path, monkeypatch, change,
                                               message):
    """What a family declares decides, so families added later are refused the same way."""
    changed = dataclasses.replace(FAMILIES["care"], title="Diffusion", **change)
    monkeypatch.setitem(FAMILIES, "care", changed)
    with pytest.raises(InvalidInput, match=message):
        export_model(tiny_user_model.weights, tmp_path / "out.zip")
    assert not (tmp_path / "out.zip").exists()


def test_a_test_image_is_cropped_to_the_sizes_a_package_takes(tiny_user_model, tmp_path):
    image = np.random.default_rng(2).poisson(50, (97, 103)).astype(np.float32)
    package = export_model(tiny_user_model.weights, tmp_path / "tiny.zip", test_image=image)
    with zipfile.ZipFile(package) as files:
        assert np.load(io.BytesIO(files.read("test_input.npy"))).shape == (1, 1, 96, 100)
    with pytest.raises(InvalidInput, match=r"at least 32 × 32 pixels, got shape \(16, 128\)"):
        export_model(tiny_user_model.weights, tmp_path / "small.zip",
                     test_image=np.ones((16, 128), np.float32))


def test_an_output_that_is_not_a_zip_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match="is a .zip file"):
        export_model("care-denoise", tmp_path / "care.tar")


def test_without_the_extra_export_says_what_to_install(tmp_path, monkeypatch):
    import importlib.util

    find = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "bioimageio.spec" else find(name, *a))
    with pytest.raises(InvalidInput, match=r"pip install 'napari-inverse\[bioimageio\]'"):
        export_model("care-denoise", tmp_path / "care.zip")


def test_importing_the_library_loads_no_bioimageio():
    """bioimageio.spec and core are optional: only writing a package imports them."""
    code = ("import sys, napari_inverse, napari_inverse.zoo, napari_inverse.methods, "
            "napari_inverse.cli, napari_inverse.zoo.package_import, "
            "napari_inverse.methods.model_export;"
            "bad = [m for m in sys.modules if m.startswith('bioimageio')];"
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ), timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("name", [e.name for e in list_models() if e.source == "shipped"
                                  and FAMILIES[e.card.family].packaged is not None])
def test_every_shipped_model_makes_a_package_bioimageio_core_runs(name, tmp_path):
    """bioimageio.spec validates the package (files and hashes included) and bioimageio.core
    runs its test input through the standalone network source, reproducing the test output
    (core's default tolerance, 1e-3). core's ``predict`` on the raw test image, mapped back
    as the README says, gives napari-inverse's own restoration (1e-4 of its range); for the
    in-focus model, fed the whole stack, its probabilities (within 0.05; masks within 0.1 %)."""
    from bioimageio.core import predict, test_model
    from bioimageio.spec import load_model_description

    package = export_model(name, tmp_path / f"{name}.zip")
    description = load_model_description(package, perform_io_checks=True)
    assert description.name == name
    summary = test_model(package)
    assert summary.status == "passed", summary.format()
    with zipfile.ZipFile(package) as files:
        tensor = np.load(io.BytesIO(files.read("test_input.npy")))
    if description.outputs[0].id == "probability":  # slice k of the stack is the middle channel
        architecture = description.weights.pytorch_state_dict.architecture
        depth_of_field = architecture.kwargs["depth_of_field_channel"] / DEPTH_OF_FIELD_SCALE
        theirs = predict(model=description, inputs=tensor).members["probability"]
        ours = focus_probability(load_model(name), tensor[:, tensor.shape[1] // 2],
                                 depth_of_field)
        # the batch counts the end slices more often than the stack holds them (7 planes), so
        # its percentiles, and the probabilities, differ slightly from napari-inverse's
        theirs = theirs.data.values[:, 0]
        assert np.abs(theirs - ours).max() < 0.05
        assert np.mean((theirs > 0.5) != (ours > 0.5)) < 1e-3
        return
    image = tensor[0, 0]
    scaled = predict(model=description, inputs=image[None, None]).members["restored"]
    low, high = np.percentile(image, [1.0, 99.8])
    theirs = scaled.data.values[0, 0] * (high - low) + low
    ours, _ = apply_model(load_model(name), image)
    assert np.abs(theirs - ours).max() < 1e-4 * np.ptp(ours)


@pytest.mark.slow
def test_a_3d_model_exports_with_its_z_step(tmp_path):
    from bioimageio.core import test_model

    card = ModelCard(name="care-3d", family="care", task="deconvolution", pixel_size_nm=100.0,
                     architecture={"ndim": 3, "depth": 1, "first_filters": 4},
                     optics={"z_step_nm": 300.0})
    entry = save_model(build_network(card.family, card.architecture), card)
    package = export_model(entry.weights, tmp_path / "care-3d.zip")
    with zipfile.ZipFile(package) as files:
        rdf = yaml.safe_load(files.read("rdf.yaml"))
    axes = [(a["id"], a.get("scale")) for a in rdf["inputs"][0]["axes"] if a["type"] == "space"]
    assert axes == [("z", 300.0), ("y", 100.0), ("x", 100.0)]
    summary = test_model(package)
    assert summary.status == "passed", summary.format()


@pytest.mark.slow
def test_an_imported_careamics_model_exports_with_its_mean_std_scaling(tmp_path):
    """Its fixed scaling becomes pre- and postprocessing that bioimageio.core applies."""
    from pathlib import Path

    from bioimageio.core import test_model

    import_package(Path(__file__).parents[1] / "zoo" / "fixtures" / "careamics_n2v.zip")
    package = export_model("careamics-n2v-fixture", tmp_path / "careamics.zip")
    with zipfile.ZipFile(package) as files:
        rdf = yaml.safe_load(files.read("rdf.yaml"))
    assert [s["id"] for s in rdf["outputs"][0]["postprocessing"]][0] == (
        "fixed_zero_mean_unit_variance")
    summary = test_model(package)
    assert summary.status == "passed", summary.format()


@pytest.mark.slow
def test_a_torchscript_copy_for_deepimagej_runs_at_every_stated_size(tmp_path):
    """bioimageio.core's converter traces the standalone network; the sizes a package states
    are multiples of what the network pads to, so the trace (made without padding) holds."""
    from bioimageio.core import load_description, test_model
    from bioimageio.core.weight_converters import add_weights

    package = export_model("care-denoise", tmp_path / "care.zip")
    converted = add_weights(load_description(package), output_path=tmp_path / "converted",
                            target_format="torchscript")
    assert "torchscript" in converted.weights.available_formats
    summary = test_model(tmp_path / "converted" / "rdf.yaml", weight_format="torchscript")
    assert summary.status == "passed", summary.format()


@pytest.mark.slow
def test_an_n2v_standardising_each_image_exports_as_zero_mean_unit_variance(tmp_path):
    """Noise2Void trained from scratch scales each image by its own mean/std: the package says
    so, and bioimageio.core's run, mapped back by the input's mean and std as its README says,
    gives napari-inverse's restoration."""
    from bioimageio.core import predict, test_model
    from bioimageio.spec import load_model_description

    card = ModelCard(name="n2v-scratch", family="n2v", task="denoising", pixel_size_nm=80.0,
                     architecture={"ndim": 2, "depth": 2, "first_filters": 4,
                                   "batch_norm": True, "initialisation": "pytorch",
                                   "batch_norm_momentum": 0.1},
                     normalisation={"kind": "mean_std"})
    entry = save_model(build_network(card.family, card.architecture), card)
    image = np.random.default_rng(2).poisson(30, (64, 64)).astype(np.float32)
    package = export_model(entry.weights, tmp_path / "n2v.zip", test_image=image)
    with zipfile.ZipFile(package) as files:
        rdf = yaml.safe_load(files.read("rdf.yaml"))
    assert "zero_mean_unit_variance" in [s["id"] for s in rdf["inputs"][0]["preprocessing"]]
    assert test_model(package).status == "passed"
    description = load_model_description(package)
    scaled = predict(model=description, inputs=image[None, None]).members["restored"]
    theirs = scaled.data.values[0, 0] * image.std() + image.mean()
    ours, _ = apply_model(load_model(entry.weights), image)
    assert np.abs(theirs - ours).max() < 1e-4 * np.ptp(ours)
