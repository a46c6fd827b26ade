"""BioImage Model Zoo packages in: CAREamics's N2V export predicts here as in CAREamics, and
hostile packages are refused before anything from them is loaded.

The fixture `fixtures/careamics_n2v.zip` and CAREamics's own prediction beside it were made
by `scripts/make_careamics_fixture.py` in a CAREamics 0.3.5 environment.
"""
from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from napari_inverse import denoise
from napari_inverse.zoo import ModelFileError, load_model
from napari_inverse.zoo.careamics_package import careamics_key
from napari_inverse.zoo.inference import apply_model
from napari_inverse.zoo.package_import import import_package

FIXTURES = Path(__file__).parent / "fixtures"
CAREAMICS_ZIP = FIXTURES / "careamics_n2v.zip"


def test_a_careamics_n2v_predicts_as_careamics_does():
    """Within float rounding (1e-6 of the values: a few float32 steps) on an image CAREamics
    predicted itself, and on the package's own test tensors; the verb finds it as N2V. The
    barely trained network varies over 3.6 units around 114; nearest instead of bilinear
    up-sampling moves it by far more (test below)."""
    entry = import_package(CAREAMICS_ZIP)
    assert (entry.card.family, entry.card.task) == ("n2v", "denoising")
    assert entry.card.normalisation["kind"] == "mean_std"
    saved = np.load(FIXTURES / "careamics_n2v_prediction.npz")
    model = load_model(entry.weights)
    restored, _ = apply_model(model, saved["image"])
    assert np.abs(restored - saved["prediction"]).max() < 1e-6 * np.abs(saved["prediction"]).max()
    with zipfile.ZipFile(CAREAMICS_ZIP) as package:
        test_input = np.load(io.BytesIO(package.read("inputs.npy")))
        test_output = np.load(io.BytesIO(package.read("outputs.npy")))
    result = denoise(test_input.squeeze(), method="n2v", model=str(entry.weights),
                     precision="float32")
    assert np.abs(result.image - test_output.squeeze()).max() < 1e-6 * np.abs(test_output).max()


def test_the_careamics_variant_of_the_unet_matters():
    """With this project's default (nearest) up-sampling the prediction moves by over 1e-4 of
    its values (measured 6.8e-4), 100× the tolerance above: the fixture tells them apart."""
    entry = import_package(CAREAMICS_ZIP)
    model = load_model(entry.weights)
    saved = np.load(FIXTURES / "careamics_n2v_prediction.npz")
    model.net.upsampling = "nearest"
    model._predictors.clear()
    restored, _ = apply_model(model, saved["image"])
    assert np.abs(restored - saved["prediction"]).max() > 1e-4 * np.abs(saved["prediction"]).max()


def test_every_careamics_key_has_one_place_in_the_unet():
    from napari_inverse.nets import UNet

    with zipfile.ZipFile(CAREAMICS_ZIP) as package:
        state = torch.load(io.BytesIO(package.read("weights.pth")), weights_only=True)
    ours = UNet(kernel_size=3, depth=2, first_filters=8, batch_norm=True, residual=False)
    renamed = {careamics_key(k, 2, True) for k in state}
    assert renamed == set(ours.state_dict())


def test_a_taken_name_is_refused_when_given_and_numbered_when_not(tmp_path):
    import_package(CAREAMICS_ZIP)
    with pytest.raises(ModelFileError, match="already has a model called 'careamics-n2v-fixture'"):
        import_package(CAREAMICS_ZIP, name="careamics-n2v-fixture")
    assert import_package(CAREAMICS_ZIP).card.name == "careamics-n2v-fixture-2"
    assert import_package(CAREAMICS_ZIP, name="second").card.name == "second"

    def odd_name(rdf):
        rdf["name"] = "N2V / BSD68: denoising"

    assert import_package(rewritten(tmp_path, odd_name)).card.name == "N2V-BSD68-denoising"


def rewritten(tmp_path: Path, rdf_edit=None, files: dict | None = None,
              extra: dict | None = None) -> Path:
    """The CAREamics fixture with its rdf.yaml edited, files replaced (None: removed) and
    extra entries added, as a new zip."""
    files, extra = files or {}, extra or {}
    out = tmp_path / "hostile.zip"
    with zipfile.ZipFile(CAREAMICS_ZIP) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = files.get(name, source.read(name))
            if name == "rdf.yaml" and rdf_edit is not None:
                rdf = yaml.safe_load(data)
                rdf_edit(rdf)
                data = yaml.safe_dump(rdf).encode()
            if data is not None:
                target.writestr(name, data)
        for name, data in extra.items():
            target.writestr(name, data)
    return out


def _weights_bytes(state) -> bytes:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def _with_weights(data: bytes):
    def edit(rdf):
        rdf["weights"]["pytorch_state_dict"]["sha256"] = hashlib.sha256(data).hexdigest()
    return edit


def _fixture_state() -> dict:
    with zipfile.ZipFile(CAREAMICS_ZIP) as package:
        return torch.load(io.BytesIO(package.read("weights.pth")), weights_only=True)


def test_a_torchscript_only_package_is_refused(tmp_path):
    def torchscript_only(rdf):
        rdf["weights"] = {"torchscript": {"source": "weights.pth"}}

    with pytest.raises(ModelFileError, match="holds torchscript weights only"):
        import_package(rewritten(tmp_path, torchscript_only))


def test_unexpected_state_dict_keys_are_refused(tmp_path):
    state = _fixture_state()
    state["encoder.extra_layer.weight"] = torch.zeros(3)
    data = _weights_bytes(state)
    package = rewritten(tmp_path, _with_weights(data), files={"weights.pth": data})
    with pytest.raises(ModelFileError, match=r"unexpected 1 keys \(encoder.extra_layer.weight\)"):
        import_package(package)


def test_a_missing_weight_file_is_refused(tmp_path):
    package = rewritten(tmp_path, files={"weights.pth": None})
    with pytest.raises(ModelFileError, match="names the file 'weights.pth', which is not in it"):
        import_package(package)


@pytest.mark.parametrize("name", ["../evil.py", "/etc/evil", "a\\..\\..\\evil"])
def test_a_zip_entry_leaving_the_package_is_refused(tmp_path, name):
    with pytest.raises(ModelFileError, match="holds the entry .* the package is refused"):
        import_package(rewritten(tmp_path, extra={name: b"print('owned')"}))


def test_an_rdf_pointing_outside_the_package_is_refused(tmp_path):
    def traverse(rdf):
        rdf["weights"]["pytorch_state_dict"]["source"] = "../../weights.pth"

    with pytest.raises(ModelFileError, match="climbs out of the package"):
        import_package(rewritten(tmp_path, traverse))


def test_pickled_code_in_the_weights_is_never_run(tmp_path):
    data = _weights_bytes({"conv": _Boom()})
    package = rewritten(tmp_path, _with_weights(data), files={"weights.pth": data})
    with pytest.raises(ModelFileError, match="not a plain state dict of tensors"):
        import_package(package)
    assert not _Boom.ran


def test_changed_weights_are_refused_by_their_sha256(tmp_path):
    state = _fixture_state()
    state["final_conv.bias"] = state["final_conv.bias"] + 1
    package = rewritten(tmp_path, files={"weights.pth": _weights_bytes(state)})
    with pytest.raises(ModelFileError, match="do not match the sha256"):
        import_package(package)


def test_an_unknown_architecture_is_refused(tmp_path):
    def stardist(rdf):
        rdf["weights"]["pytorch_state_dict"]["architecture"] = {
            "callable": "StarDist2D", "import_from": "stardist.models", "kwargs": {}}

    with pytest.raises(ModelFileError, match="'StarDist2D' from 'stardist.models' is not one"):
        import_package(rewritten(tmp_path, stardist))


class _Boom:
    """Unpickling it would run code (and set ``ran``)."""

    ran = False

    def __reduce__(self):
        return (_Boom._run, ())

    @staticmethod
    def _run():
        _Boom.ran = True
        return 0


def test_an_unpacked_folder_imports_and_a_link_out_of_it_is_refused(tmp_path):
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(CAREAMICS_ZIP) as package:
        package.extractall(folder)
    assert import_package(folder).card.family == "n2v"
    (folder / "weights.pth").rename(tmp_path / "elsewhere.pth")
    (folder / "weights.pth").symlink_to(tmp_path / "elsewhere.pth")
    with pytest.raises(ModelFileError, match="'weights.pth' links outside"):
        import_package(folder, name="linked")
