"""Make the CAREamics test fixture: a tiny N2V trained and exported by CAREamics itself.

Run in a separate environment holding careamics 0.3.5 (never the project's), e.g.

    PYTHONPATH=/tmp/pyd212 /work/peers/careamics-venv/bin/python \
        scripts/make_careamics_fixture.py tests/zoo/fixtures

where /tmp/pyd212 holds links to pydantic 2.12 and its pydantic_core (and their dist-info):
bioimageio.spec 0.5.12 cannot serialise a description with the pydantic 2.14 of that
environment (docs/bioimageio.md gives the commands).

It writes ``careamics_n2v.zip`` (CAREamics's own BioImage Model Zoo export: a U-Net of depth 2
with 8 initial filters, trained 5 steps on a 128² synthetic noisy image) and
``careamics_n2v_prediction.npz`` (``image``, a second 48×80 image, and ``prediction``,
CAREamics's ``predict`` of it), which ``tests/zoo/test_package_import.py`` compares with the
imported model's prediction. The weights are barely trained: the test checks that the network
and its normalisation are mapped exactly, not that it denoises.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
import tempfile
import types
from pathlib import Path

import numpy as np


def register_bare_torchvision() -> None:
    """Make ``import torchvision`` skip its CUDA operators (the registry's build is a CUDA one,
    whose ``torchvision::nms`` fails on a CPU torch); careamics needs only its pure-Python
    transforms."""
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return
    bare = types.ModuleType("torchvision")
    bare.__path__ = list(spec.submodule_search_locations)
    bare.__version__ = importlib.metadata.version("torchvision")  # careamics's export reads it
    sys.modules["torchvision"] = bare


def noisy_image(shape: tuple[int, int], seed: int) -> np.ndarray:
    """Smooth blobs with Poisson noise and a camera offset, as float32."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    clean = np.full(shape, 5.0)
    for _ in range(12):
        y, x = rng.uniform(0, shape[0]), rng.uniform(0, shape[1])
        clean += rng.uniform(20, 80) * np.exp(-((yy - y) ** 2 + (xx - x) ** 2) / (2 * 4.0**2))
    return (rng.poisson(clean) + 100.0).astype(np.float32)


def main(out: Path) -> None:
    register_bare_torchvision()
    import torch
    from careamics import CAREamist
    from careamics.config.factories import create_advanced_n2v_config

    torch.manual_seed(0)
    out.mkdir(parents=True, exist_ok=True)
    train = noisy_image((128, 128), seed=1)
    config = create_advanced_n2v_config(
        experiment_name="napari-inverse-fixture", data_type="array", axes="YX",
        patch_size=[32, 32], batch_size=4, num_epochs=1, num_steps=5, augmentations=[],
        num_workers=0, model_params={"depth": 2, "num_channels_init": 8},
        trainer_params={"accelerator": "cpu"})
    with tempfile.TemporaryDirectory() as work:
        careamist = CAREamist(config, work_dir=work, enable_progress_bar=False)
        careamist.train(train_data=train, val_data=noisy_image((64, 64), seed=2))
        careamist.export_to_bmz(
            out / "careamics_n2v.zip", friendly_model_name="careamics-n2v-fixture",
            input_array=train[:64, :64], authors=[{"name": "napari-inverse tests"}],
            general_description="A tiny N2V trained for 5 steps: a test fixture only.",
            data_description="Synthetic blobs with Poisson noise, 128x128.")
        image = noisy_image((48, 80), seed=3)
        predictions, _ = careamist.predict(image, axes="YX", data_type="array")
    prediction = np.asarray(predictions[0], dtype=np.float32).reshape(image.shape)
    np.savez(out / "careamics_n2v_prediction.npz", image=image, prediction=prediction)
    print(f"wrote {out / 'careamics_n2v.zip'} and {out / 'careamics_n2v_prediction.npz'}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/zoo/fixtures"))
