"""Richardson–Lucy and Wiener restore simulated widefield images with known truth (2-D and 3-D)."""
import numpy as np
import pytest

from napari_inverse.classical import richardson_lucy, wiener
from napari_inverse.metrics import psnr


@pytest.mark.parametrize("case", ["widefield_2d", "widefield_3d"])
def test_richardson_lucy_gains_at_least_3_db(case, request):
    pair = request.getfixturevalue(case)
    restored = richardson_lucy(pair.image, pair.psf, iterations=30)
    assert psnr(pair.truth, restored) >= psnr(pair.truth, pair.image) + 3.0


@pytest.mark.parametrize("case", ["widefield_2d", "widefield_3d"])
def test_wiener_gains_at_least_1_db(case, request):
    pair = request.getfixturevalue(case)
    restored = wiener(pair.image, pair.psf)
    assert psnr(pair.truth, restored) >= psnr(pair.truth, pair.image) + 1.0


def test_richardson_lucy_converges_to_a_noise_free_object():
    """The true object is RL's fixed point: with noise-free data the estimate approaches it."""
    from scipy.ndimage import convolve, gaussian_filter

    spots = np.zeros((96, 96))
    rng = np.random.default_rng(0)
    spots[rng.integers(0, 96, 40), rng.integers(0, 96, 40)] = 1.0
    specimen = 50 + 3000 * gaussian_filter(spots, 2.0)
    t = np.arange(-8, 9)
    psf = np.outer(np.exp(-(t**2) / 8), np.exp(-(t**2) / 8)).astype(np.float32)
    blurred = convolve(specimen, psf / psf.sum(), mode="mirror").astype(np.float32)
    inner = (slice(24, -24),) * 2

    def error(estimate):
        return np.abs(estimate[inner] - specimen[inner]).max() / np.ptp(specimen)

    errors = [error(richardson_lucy(blurred, psf, n)) for n in (5, 50, 200)]
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.03 < 0.25 < error(blurred)


def test_richardson_lucy_conserves_flux_and_stays_non_negative(widefield_2d):
    restored = richardson_lucy(widefield_2d.image, widefield_2d.psf, iterations=20)
    assert restored.min() >= 0
    inner = (slice(40, -40),) * 2
    assert restored[inner].sum() == pytest.approx(widefield_2d.image[inner].sum(), rel=0.02)


def test_nothing_wraps_around_the_border(widefield_2d):
    """A bright bar on the left edge must not leak onto the right edge (no circular wrap)."""
    plain = np.full((192, 192), 20.0, dtype=np.float32)
    with_bar = plain.copy()
    with_bar[:, :3] = 5000.0
    psf = widefield_2d.psf
    right_edge = (slice(None), slice(-4, None))
    rl = [richardson_lucy(image, psf, 30)[right_edge] for image in (with_bar, plain)]
    np.testing.assert_allclose(*rl, rtol=1e-3)
    # Wiener's inverse filter rings across the field from so sharp a step: allow 2 %.
    filtered = [wiener(image, psf, 1e-2)[right_edge] for image in (with_bar, plain)]
    np.testing.assert_allclose(*filtered, rtol=0.02)


def test_total_variation_smooths_a_noisy_flat_region():
    rng = np.random.default_rng(0)
    flat = rng.poisson(50.0, size=(96, 96)).astype(np.float32)
    psf = np.outer(*[np.exp(-np.linspace(-3, 3, 9) ** 2)] * 2).astype(np.float32)
    plain = richardson_lucy(flat, psf, iterations=30)
    regularised = richardson_lucy(flat, psf, iterations=30, tv_weight=0.01)
    assert regularised.std() < 0.8 * plain.std()


def test_solvers_refuse_nonsense_parameters(widefield_2d):
    with pytest.raises(ValueError, match="iterations"):
        richardson_lucy(widefield_2d.image, widefield_2d.psf, iterations=0)
    with pytest.raises(ValueError, match="tv_weight"):
        richardson_lucy(widefield_2d.image, widefield_2d.psf, tv_weight=0.5)
    with pytest.raises(ValueError, match="balance"):
        wiener(widefield_2d.image, widefield_2d.psf, balance=-1.0)


def test_binned_gcv_picks_the_same_balance_as_the_exact_sum(widefield_2d):
    """GCV summed over |H|² bins must choose what the sum over every frequency chooses."""
    import torch

    from napari_inverse.classical.wiener import _CANDIDATE_BALANCES, estimate_wiener_balance
    from napari_inverse.optics import psf_to_otf
    from napari_inverse.optics.padding import pad_for_fft

    padded, _ = pad_for_fft(widefield_2d.image, widefield_2d.psf.shape)
    spectrum = np.abs(np.fft.fftn(padded)) ** 2
    otf = psf_to_otf(widefield_2d.psf, padded.shape, torch.device("cpu")).numpy()
    power = np.abs(np.fft.fftn(np.fft.irfftn(otf, s=padded.shape, axes=(0, 1)))) ** 2
    scores = [((b / (power + b)) ** 2 * spectrum).sum() / (b / (power + b)).sum() ** 2
              for b in _CANDIDATE_BALANCES]
    exact = _CANDIDATE_BALANCES[int(np.argmin(scores))]
    assert estimate_wiener_balance(widefield_2d.image, widefield_2d.psf) == pytest.approx(exact)
