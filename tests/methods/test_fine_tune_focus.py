"""fine_tune(family="focus"): the in-focus network trains on focal stacks alone, with weak
labels computed from them, and the saved model segments through segment_focus."""
from __future__ import annotations

import importlib

import numpy as np
import pytest

from napari_inverse import InvalidInput, Optics, fine_tune, segment_focus
from napari_inverse.simulate import focal_stack

from .test_fine_tune import _isolated  # noqa: F401 (autouse: one thread, a models folder)

OPTICS = Optics(na=0.5, wavelength_nm=520, pixel_size_nm=325, refractive_index=1.0, z_step_nm=1000)


@pytest.fixture(scope="module")
def stack():
    return focal_stack((64, 64), OPTICS, n_planes=5, scene="surface", photons=500,
                       psf_model="born_wolf", seed=4).stack


def test_focus_fine_tunes_from_stacks_alone_and_segments(stack):
    result = fine_tune(stack, family="focus", start=None, name="my-focus", axes="ZYX", patch=32,
                       batch_size=2, steps=2, device="cpu", optics=OPTICS)
    assert result.card.family == "focus" and result.card.task == "focus"
    assert result.card.architecture["in_channels"] == 8  # 7 slices and the depth of field
    segmented = segment_focus(stack, "cnn", optics=OPTICS, model=str(result.entry.weights))
    assert segmented.image.shape == stack.shape and segmented.image.dtype == bool
    probability = segmented.extras["probability"]
    assert probability.shape == stack.shape and 0 <= probability.min() <= probability.max() <= 1


def test_focus_refuses_targets_too_few_planes_and_unknown_optics(stack):
    with pytest.raises(InvalidInput, match="weak labels"):
        fine_tune(stack, stack > 0.5, family="focus", start=None, steps=1, device="cpu")
    with pytest.raises(InvalidInput, match="at least 3 planes"):
        fine_tune(stack[:2], family="focus", start=None, axes="ZYX", patch=32, steps=1,
                  device="cpu", optics=OPTICS)
    flat = Optics(na=0.5, wavelength_nm=520, pixel_size_nm=325, refractive_index=1.0)
    for optics in (None, flat):  # the network's depth-of-field channel needs the z step
        with pytest.raises(InvalidInput, match=r"z_step_nm=…"):
            fine_tune(stack, family="focus", start=None, axes="ZYX", patch=32, steps=1,
                      device="cpu", optics=optics)


class _Labelled(Exception):
    """Raised by the stand-in for training once it has the labelled stacks."""


def test_with_the_optics_the_stacks_are_labelled_by_the_depth_of_field_rule(stack, monkeypatch):
    from napari_inverse.classical.focus import weak_labels

    module = importlib.import_module("napari_inverse.methods.fine_tune")

    def stop_at_training(net, objective, sampler, *args, **kwargs):
        raise _Labelled(np.asarray(sampler.targets[0]))

    monkeypatch.setattr(module, "fit", stop_at_training)
    with pytest.raises(_Labelled) as labelled:
        fine_tune(stack, family="focus", start=None, axes="ZYX", patch=32, steps=1,
                  validation_fraction=0, device="cpu", optics=OPTICS)
    labels = labelled.value.args[0]
    np.testing.assert_array_equal(labels, weak_labels(stack, optics=OPTICS)[0])
    assert not np.array_equal(labels, weak_labels(stack)[0])


def test_optics_for_another_family_are_refused(stack):
    with pytest.raises(InvalidInput, match="family='focus'"):
        fine_tune(stack[0], family="n2v", start=None, steps=1, device="cpu", optics=OPTICS)


def test_a_trained_in_focus_network_fine_tunes_at_a_quarter_of_its_recipe_rate():
    import torch

    from napari_inverse.training.fine_tuning import family_recipe, fine_tune_settings

    def default_rate(pretrained: bool) -> float:
        return fine_tune_settings("focus", pretrained, torch.device("cpu"), None, None, None,
                                  None, None, 0)[1].learning_rate

    recipe_rate = family_recipe("focus").fit.learning_rate  # batch 16 on a CPU, as the recipe
    assert default_rate(False) == pytest.approx(recipe_rate)
    assert default_rate(True) == pytest.approx(recipe_rate / 4)
