"""The quality benchmark scores methods on fixed sets and tunes only on the validation split."""
from dataclasses import replace

import numpy as np
import pytest

from napari_inverse.benchmarks.datasets import (VALIDATION_SEED_OFFSET, BenchmarkSet,
                                                deconvolution_sets)
from napari_inverse.benchmarks.quality import CLASSICAL_METHODS, evaluate, learned_methods

SMALL = BenchmarkSet("deconvolution", "microtubules", 2, (64, 64), 1000)


def test_sets_are_fixed_and_validation_is_disjoint():
    first, again = SMALL.pairs(), SMALL.pairs()
    np.testing.assert_array_equal(first[1].input, again[1].input)
    validation = SMALL.validation()
    assert validation.seed == SMALL.seed + VALIDATION_SEED_OFFSET
    assert not set(range(validation.seed, validation.seed + validation.n_images)) & set(
        range(SMALL.seed, SMALL.seed + SMALL.n_images))


@pytest.mark.slow
def test_richardson_lucy_beats_the_raw_input_and_reports_its_chosen_iterations():
    raw, _, rl = (evaluate(m, SMALL, measure_resolution=False) for m in CLASSICAL_METHODS[:3])
    assert rl.parameters["iterations"] in (1, 2, 3, 5, 10, 20, 30, 50, 80)
    assert rl.psnr > raw.psnr + 1.0
    assert rl.seconds_per_megapixel > 0 and rl.device == "cpu"


def test_richardson_lucy_that_stops_by_itself_is_scored_beside_the_chosen_count():
    nuclei = BenchmarkSet("deconvolution", "nuclei", 2, (128, 128), 1)
    auto = next(m for m in CLASSICAL_METHODS if m.name == "Richardson–Lucy (auto)")
    raw, row = (evaluate(m, nuclei, measure_resolution=False) for m in (CLASSICAL_METHODS[0], auto))
    assert row.parameters == {"iterations": "auto"}
    assert min(np.subtract(row.per_image_psnr, raw.per_image_psnr)) > 1.0


def test_oversampled_sets_have_pixels_the_shipped_models_do_not_take():
    from napari_inverse.benchmarks.datasets import OVERSAMPLED_NYQUIST, oversampled_sets
    from napari_inverse.zoo import find_model

    card = find_model("mrbcr-widefield").card
    in_range_seeds = {s.seed for s in deconvolution_sets()}
    for dataset in oversampled_sets():
        assert "0.55–0.7× Nyquist" in dataset.name and dataset.seed not in in_range_seeds
    for pair in replace(oversampled_sets()[0], n_images=3, shape=(64, 64)).pairs():
        optics = pair.metadata["optics"]
        nyquist = optics["wavelength_nm"] / (4 * optics["na"])
        assert OVERSAMPLED_NYQUIST[0] <= optics["pixel_size_nm"] / nyquist <= OVERSAMPLED_NYQUIST[1]
        assert not card.accepts_pixel_size(optics["pixel_size_nm"], optics["na"],
                                           optics["wavelength_nm"])


@pytest.mark.slow
def test_learned_models_choose_resampling_on_validation_and_keep_the_plain_call_in_range():
    mrbcr = next(m for m in learned_methods() if m.model == "mrbcr-widefield")
    assert mrbcr.candidates == ({}, {"resample": True})
    in_range = evaluate(mrbcr, SMALL, device="cpu", measure_resolution=False)
    assert in_range.parameters == {}  # resampling an image already in range changes nothing
