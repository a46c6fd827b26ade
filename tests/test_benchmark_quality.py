"""The quality benchmark scores methods on fixed sets and tunes only on the validation split."""
import numpy as np

from napari_inverse.benchmarks.datasets import VALIDATION_SEED_OFFSET, BenchmarkSet
from napari_inverse.benchmarks.quality import CLASSICAL_METHODS, evaluate

SMALL = BenchmarkSet("deconvolution", "microtubules", 2, (64, 64), 1000)


def test_sets_are_fixed_and_validation_is_disjoint():
    first, again = SMALL.pairs(), SMALL.pairs()
    np.testing.assert_array_equal(first[1].input, again[1].input)
    validation = SMALL.validation()
    assert validation.seed == SMALL.seed + VALIDATION_SEED_OFFSET
    assert not set(range(validation.seed, validation.seed + validation.n_images)) & set(
        range(SMALL.seed, SMALL.seed + SMALL.n_images))


def test_richardson_lucy_beats_the_raw_input_and_reports_its_chosen_iterations():
    raw, _, rl = (evaluate(m, SMALL, measure_resolution=False) for m in CLASSICAL_METHODS)
    assert rl.parameters["iterations"] in (1, 2, 3, 5, 10, 20, 30, 50, 80)
    assert rl.psnr > raw.psnr + 1.0
    assert rl.seconds_per_megapixel > 0 and rl.device == "cpu"
