"""Pair builders: deterministic per seed, physically consistent, covering the microscope range."""
import numpy as np
import pytest

from napari_inverse import Optics, deconvolve
from napari_inverse.metrics import psnr
from napari_inverse.simulate.pairs import (
    FLUORESCENCE_STRUCTURES, MicroscopeRanges, deconvolution_pair, denoising_pair, focus_pair,
    phase_pair, super_resolution_pair,
)

BUILDERS = [deconvolution_pair, denoising_pair, super_resolution_pair, phase_pair, focus_pair]


@pytest.mark.parametrize("build", BUILDERS, ids=lambda f: f.__name__)
def test_same_seed_same_pair_other_seed_other_pair(build):
    first, again, other = build(5, (64, 64)), build(5, (64, 64)), build(6, (64, 64))
    np.testing.assert_array_equal(first.input, again.input)
    np.testing.assert_array_equal(first.target, again.target)
    assert not np.array_equal(first.input, other.input)
    assert first.input.shape[-2:] == first.target.shape[-2:] == (64, 64)


def test_drawn_microscopes_cover_the_stated_range():
    rng = np.random.default_rng(0)
    draws = [MicroscopeRanges().draw(rng) for _ in range(300)]
    nas = [optics.na for optics, _, _ in draws]
    photons = [p for _, p, _ in draws]
    assert 0.8 <= min(nas) < 0.85 and 1.44 < max(nas) <= 1.49
    assert all(optics.pixel_size_nm <= 1.2 * optics.nyquist_pixel_nm for optics, _, _ in draws)
    assert 100 <= min(photons) < 150 and 700 < max(photons) <= 1000


def test_deconvolution_target_is_reachable_and_denoising_target_is_the_noise_free_image():
    optics = Optics(na=1.4, wavelength_nm=520, pixel_size_nm=65)
    pair = deconvolution_pair(1, (128, 128), "microtubules", optics=optics, photons=1000)
    restored = deconvolve(pair.input, "rl", optics=optics, iterations=30).image
    assert psnr(pair.target, restored) > psnr(pair.target, pair.input) + 3
    noisy = denoising_pair(1, (128, 128), "microtubules", optics=optics, photons=1000)
    residual = noisy.input - noisy.target
    # Poisson + read noise: variance = expected e- + read noise², within 10 %.
    assert residual.var() == pytest.approx(noisy.target.mean() + 1.6**2, rel=0.1)


def test_super_resolution_target_is_sharper_than_the_widefield_image():
    pair = super_resolution_pair(2, (128, 128), "ccp", photons=5000)
    def high_frequency_power(image):
        spectrum = np.abs(np.fft.fftshift(np.fft.fft2(image - image.mean()))) ** 2
        yy, xx = np.mgrid[-64:64, -64:64]
        return spectrum[np.hypot(yy, xx) > 32].sum() / spectrum.sum()
    assert high_frequency_power(pair.target) > 2 * high_frequency_power(pair.input)


def test_a_binned_super_resolution_input_keeps_the_grid_and_the_local_level():
    """2×2 binning then interpolation: same grid, same target, and the image's 8×8-block means
    (the level a coarse camera records) within 10 % of the unbinned image's."""
    fine, coarse = (super_resolution_pair(2, (128, 128), "ccp", photons=5000, input_binning=b)
                    for b in (1, 2))
    assert coarse.input.shape == fine.input.shape and coarse.metadata["input_binning"] == 2
    np.testing.assert_array_equal(coarse.target, fine.target)
    assert not np.allclose(coarse.input, fine.input, rtol=0.05)
    def block_means(image):
        return image.reshape(16, 8, 16, 8).mean(axis=(1, 3))
    np.testing.assert_allclose(block_means(coarse.input), block_means(fine.input), rtol=0.1)


def test_every_structure_can_be_asked_for_and_unknown_ones_are_refused():
    for structure in FLUORESCENCE_STRUCTURES:
        assert deconvolution_pair(0, (48, 48), structure).metadata["structure"] == structure
    with pytest.raises(ValueError, match="unknown structure"):
        deconvolution_pair(0, (48, 48), "mitochondria")


def test_phase_and_focus_targets_have_their_units():
    phase = phase_pair(0, (64, 64))
    assert phase.input.shape == (3, 64, 64) and np.ptp(phase.target) > 0.2  # radians
    focus = focus_pair(0, (64, 64))
    assert focus.target.dtype == bool and 0.1 < focus.target.any(axis=0).mean() <= 1
