"""Self-training of the in-focus network: a continuing run's targets are the starting network's
own masks, exactly as the verb makes them, cached under the start's digest."""
import numpy as np

from napari_inverse import Optics, segment_focus
from napari_inverse.simulate.pairs import FocusRanges, focus_pair
from napari_inverse.training.recipes import recipe
from napari_inverse.training.self_training import self_trained_targets

FIRST_SEED, SHAPE = 31_000_000, (48, 48)


def test_the_targets_are_the_verb_s_masks_and_are_cached(tmp_path):
    pairs = [focus_pair(FIRST_SEED + i, SHAPE, ranges=FocusRanges()) for i in range(2)]
    inputs = np.stack([p.input for p in pairs]).astype(np.float32)
    targets = self_trained_targets("focus-widefield", inputs, FIRST_SEED, FocusRanges(),
                                   tmp_path, "cpu")
    for pair, target in zip(pairs, targets):
        masks = segment_focus(pair.input, "cnn", optics=Optics(**pair.metadata["optics"]),
                              device="cpu").image
        np.testing.assert_array_equal(target.astype(bool), masks)
    cached, = tmp_path.glob("*-self-trained-*-target.npy")
    again = self_trained_targets("focus-widefield", inputs, FIRST_SEED, FocusRanges(),
                                 tmp_path, "cpu")
    assert isinstance(again, np.memmap)  # read back, not recomputed
    np.testing.assert_array_equal(again, targets)


def test_only_a_continuing_in_focus_run_self_trains():
    focus = recipe("focus-widefield")
    assert focus.self_training and focus.settings(continuing=True).learning_rate == 2.5e-4
    assert not recipe("care-widefield").self_training


def test_a_continuing_focus_run_learns_from_its_start_s_masks_and_says_so(tmp_path):
    import dataclasses

    from napari_inverse.training.runner import run_recipe
    from napari_inverse.zoo import load_model

    focus = recipe("focus-widefield")
    fit = dict(steps=1, batch_size=2, validate_every=1)
    tiny = dataclasses.replace(
        focus, pool_images=2, validation_images=1, validation_patches=2, pool_shape=(48, 48),
        patch=32, fit=dataclasses.replace(focus.fit, **fit),
        continuation=dataclasses.replace(focus.continuation, **fit))
    card = run_recipe(tiny, tmp_path / "model", "cpu", pool_dir=tmp_path / "pools",
                      say=lambda line: None, init_from="focus-widefield")
    start = load_model("focus-widefield").card
    assert card.stages[-1]["targets"] == f"self-training: the masks of {start.sha256}"
    assert len(list((tmp_path / "pools").glob("*-self-trained-*-target.npy"))) == 2
