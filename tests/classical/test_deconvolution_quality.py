"""Richardson–Lucy and Wiener restore simulated widefield images with known truth (2-D and 3-D)."""
import numpy as np
import pytest

from napari_inverse.classical import richardson_lucy, wiener
from napari_inverse.metrics import psnr


@pytest.mark.parametrize("case, gain", [("widefield_2d", 4.5), ("widefield_3d", 2.5)])
def test_richardson_lucy_gains_on_filaments(case, gain, request):
    """Measured at 30 iterations: 5.7 dB in 2-D, 3.1 dB in 3-D (the flat start sharpens more
    slowly: its 3-D gain keeps rising to 7.6 dB at 200 iterations)."""
    pair = request.getfixturevalue(case)
    restored = richardson_lucy(pair.image, pair.psf, iterations=30)
    assert psnr(pair.truth, restored) >= psnr(pair.truth, pair.image) + gain


@pytest.mark.parametrize("case, gain", [("widefield_2d", 2.5), ("widefield_3d", 2.0)])
def test_wiener_gains_on_filaments(case, gain, request):
    """Measured gains: 3.1 dB in 2-D, 2.4 dB in 3-D."""
    pair = request.getfixturevalue(case)
    restored = wiener(pair.image, pair.psf)
    assert psnr(pair.truth, restored) >= psnr(pair.truth, pair.image) + gain


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


def _blurred_field(psf, noise_sigma, seed=0):
    """A stationary textured object (Gaussian random field on a background), blurred by ``psf``,
    plus white Gaussian noise of ``noise_sigma``: its noise power is known exactly."""
    from scipy.ndimage import convolve, gaussian_filter

    rng = np.random.default_rng(seed)
    specimen = gaussian_filter(np.random.default_rng(99).normal(size=(128, 128)), 1.5) * 400 + 1000
    blurred = convolve(specimen, psf / psf.sum(), mode="mirror")
    return (blurred + rng.normal(0, noise_sigma, blurred.shape)).astype(np.float32)


@pytest.mark.parametrize("sigma", [3.0, 6.0])
def test_measured_noise_power_is_the_white_noise_power(widefield_2d, sigma):
    """On a textured object with structure up to its borders, the noise is its variance σ²."""
    from napari_inverse.classical import estimate_spectral_balance

    image = _blurred_field(widefield_2d.psf, sigma)
    measured = estimate_spectral_balance(image, widefield_2d.psf).noise_power
    assert measured == pytest.approx(sigma**2, rel=0.05)


def test_a_large_image_is_measured_on_a_bounded_crop(widefield_2d, monkeypatch):
    """A 2600 × 200 image: its spectrum is taken on the central 2048 rows only, and the noise
    power is still σ² (the crop holds ~400 000 frequencies)."""
    import torch

    from napari_inverse.classical import estimate_spectral_balance

    rng = np.random.default_rng(5)
    image = (1000 + rng.normal(0, 4.0, (2600, 200))).astype(np.float32)
    shapes, rfftn = [], torch.fft.rfftn
    monkeypatch.setattr(torch.fft, "rfftn", lambda x, *a, **k: shapes.append(
        tuple(k.get("s") or x.shape)) or rfftn(x, *a, **k))
    measured = estimate_spectral_balance(image, widefield_2d.psf).noise_power
    assert shapes and max(s[0] for s in shapes) == 2048
    assert measured == pytest.approx(16.0, rel=0.05)


def test_balance_is_the_noise_to_object_power_ratio(widefield_2d):
    """Same object, four times the noise power: λ = N/P grows about fourfold where P is measured."""
    import torch

    from napari_inverse.classical import estimate_spectral_balance

    quiet, noisy = (estimate_spectral_balance(_blurred_field(widefield_2d.psf, s, seed=1),
                                              widefield_2d.psf).balance for s in (3.0, 6.0))
    measured = torch.isfinite(quiet) & torch.isfinite(noisy) & (quiet > 0)
    assert measured.sum() >= 20
    assert 3.0 < float((noisy[measured] / quiet[measured]).median()) < 5.0


@pytest.fixture(scope="module")
def nuclei():
    """A simulated nuclei pair and its PSF: large smooth objects, where noise rather than blur
    is most of the input's error."""
    from napari_inverse.methods.deconvolve import psf_for_image
    from napari_inverse.optics import Optics
    from napari_inverse.simulate.pairs import deconvolution_pair

    pair = deconvolution_pair(4242, (256, 256), "nuclei")
    return pair, psf_for_image(Optics(**pair.metadata["optics"]), (256, 256), "richards_wolf")


def test_measured_balance_beats_every_constant_one_on_nuclei(nuclei):
    """Large smooth objects: a constant λ sharp enough for their edges amplifies noise where they
    have no power, so no constant λ reaches the raw input; λ(f) measured on the image does."""
    pair, psf = nuclei
    raw = psnr(pair.target, pair.input)
    best_constant = max(psnr(pair.target, wiener(pair.input, psf, balance))
                        for balance in np.logspace(-5, 0, 11))
    measured = psnr(pair.target, wiener(pair.input, psf))
    assert best_constant < raw + 0.5  # measured: 31.1 dB against an input of 30.8
    assert measured > raw + 5.0  # measured: 39.7 dB


def test_richardson_lucy_stopped_early_denoises_smooth_nuclei(nuclei):
    """RL starts flat, so its first iterations smooth before they sharpen; started from the noisy
    image it only sharpened the noise, and no iteration count reached the input on nuclei."""
    pair, psf = nuclei
    raw = psnr(pair.target, pair.input)
    early = psnr(pair.target, richardson_lucy(pair.input, psf, iterations=2))
    assert early > raw + 3.0  # measured: 37.8 dB against 30.8 (from the image: 29.8)


def test_blank_and_flat_images_stay_blank_and_flat():
    from napari_inverse.methods.deconvolve import psf_for_image
    from napari_inverse.optics import Optics

    psf = psf_for_image(Optics(na=1.4, wavelength_nm=520, pixel_size_nm=90), (64, 64),
                        "richards_wolf")
    flat = np.full((64, 64), 7.0, np.float32)
    for solver in (wiener, richardson_lucy):
        assert np.all(solver(np.zeros((64, 64), np.float32), psf) == 0)
    np.testing.assert_allclose(wiener(flat, psf), 7.0, rtol=1e-5)
    # RL's border pixels are less bound: light from beyond the border may explain them (0.44 %)
    np.testing.assert_allclose(richardson_lucy(flat, psf), 7.0, rtol=0.01)
    np.testing.assert_allclose(richardson_lucy(flat, psf)[16:-16, 16:-16], 7.0, rtol=1e-4)
