"""The in-focus network's training patches: slice k with its neighbours (ends repeated) and the
depth-of-field channel, exactly what inference feeds it."""
from __future__ import annotations

import numpy as np
import torch

from napari_inverse.training.fine_tuning import fresh_network
from napari_inverse.training.focal_sampler import FocalPatchSampler
from napari_inverse.training.recipes import recipe
from napari_inverse.zoo import LoadedModel, ModelCard
from napari_inverse.zoo.focus_inference import focus_probability

PLANES, DOF = 7, 2.5


def _stack(planes: int = 5, side: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Plane k holds k + small noise, so a patch's middle channel tells its slice."""
    rng = np.random.default_rng(0)
    stack = np.arange(planes, dtype=np.float32)[:, None, None] + 0.01 * rng.random(
        (planes, side, side), dtype=np.float32)
    return stack, (rng.random((planes, side, side)) > 0.5).astype(np.float32)


def test_a_patch_is_the_slice_its_neighbours_ends_repeated_and_the_depth_of_field():
    stack, target = _stack()
    sampler = FocalPatchSampler([stack], [target], PLANES, 16, DOF, augment=False)
    x, y = sampler.patch_at(0, (1, 4, 8))
    assert x.shape == (PLANES + 1, 16, 16) and y.shape == (1, 16, 16)
    slices = np.round(x[:PLANES].mean(axis=(1, 2)) * 4, 1)  # the stack's range is about 0–4
    np.testing.assert_allclose(slices, [0, 0, 0, 1, 2, 3, 4], atol=0.1)
    np.testing.assert_array_equal(x[PLANES], np.full((16, 16), DOF / 10, dtype=np.float32))
    np.testing.assert_array_equal(y[0], target[1, 4:20, 8:24])


def test_random_patches_centre_on_every_slice_and_keep_the_depth_of_field_last():
    stack, target = _stack()
    sampler = FocalPatchSampler([stack], [target], PLANES, 16, DOF, seed=1)
    middles = set()
    for _ in range(200):
        x, _ = sampler.patch_at(0, None)
        middles.add(float(np.round(x[PLANES // 2].mean() * 4)))
        assert np.all(x[PLANES] == np.float32(DOF / 10))  # flips and turns leave it last
    assert middles == {0.0, 1.0, 2.0, 3.0, 4.0}  # the end slices train too


def test_the_network_sees_in_training_what_it_sees_in_inference():
    stack, target = _stack(side=64)
    architecture = recipe("focus-widefield").architecture
    net = fresh_network("focus", architecture, seed=0).eval()
    model = LoadedModel(net, ModelCard(name="f", family="focus", task="focus",
                                       architecture=architecture), torch.device("cpu"))
    sampler = FocalPatchSampler([stack], [target], PLANES, 64, DOF, augment=False)
    x, _ = sampler.patch_at(0, (4, 0, 0))
    with torch.inference_mode():
        trained_on = torch.sigmoid(net(torch.from_numpy(x)[None]))[0, 0].numpy()
    np.testing.assert_allclose(focus_probability(model, stack, DOF)[4], trained_on, atol=1e-5)
