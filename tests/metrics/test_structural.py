"""SSIM, MS-SSIM and the m-rBCR stack SSIM on cases with known answers and against scikit-image."""
import numpy as np
import pytest
from scipy.ndimage import gaussian_filter
from skimage.metrics import structural_similarity

from napari_inverse.metrics import ms_ssim, pooled_ssim, ssim
from napari_inverse.metrics.structural import MS_SSIM_WEIGHTS


def textured(shape, seed=0):
    """A smooth random texture in [0, 1] and a noisy copy of it."""
    rng = np.random.default_rng(seed)
    image = gaussian_filter(rng.random(shape), 2)
    image = (image - image.min()) / np.ptp(image)
    return image, image + 0.05 * rng.standard_normal(shape)


def luminance(mean_a, mean_b, data_range=1.0):
    c1 = (0.01 * data_range) ** 2
    return (2 * mean_a * mean_b + c1) / (mean_a**2 + mean_b**2 + c1)


@pytest.mark.parametrize("shape", [(64, 64), (24, 32, 32)])
def test_identical_images_score_one(shape):
    image, _ = textured(shape)
    assert ssim(image, image) == pytest.approx(1.0)
    assert ms_ssim(image, image) == pytest.approx(1.0)


@pytest.mark.parametrize("shape", [(48, 40), (16, 24, 20)])
def test_single_scale_agrees_with_scikit_image(shape):
    truth, noisy = textured(shape, seed=2)
    expected = structural_similarity(
        truth, noisy, data_range=1.0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False
    )
    assert ssim(truth, noisy, data_range=1.0) == pytest.approx(expected, abs=1e-12)
    assert ms_ssim(truth, noisy, data_range=1.0, scales=1) == pytest.approx(expected, abs=1e-12)


def test_constant_shift_of_a_flat_image_gives_the_luminance_term():
    flat = np.full((32, 32), 0.4)
    assert ssim(flat, flat + 0.2, data_range=1.0) == pytest.approx(luminance(0.4, 0.6))


def test_constant_shift_of_a_texture_keeps_structure_and_loses_only_luminance():
    truth, _ = textured((40, 40), seed=3)
    local_mean = gaussian_filter(truth, 1.5, truncate=3.5, mode="reflect")[5:-5, 5:-5]
    expected = np.mean(luminance(local_mean, local_mean + 0.1))
    assert ssim(truth, truth + 0.1, data_range=1.0) == pytest.approx(expected, rel=1e-9)


def test_ms_ssim_uses_the_scales_that_fit_with_renormalised_weights():
    flat = np.full((64, 64), 0.4)  # 64 → 32 → 16 hold the 11-px window, 8 does not: 3 scales
    weight = MS_SSIM_WEIGHTS[2] / sum(MS_SSIM_WEIGHTS[:3])  # contrast-structure is 1 at every scale
    assert ms_ssim(flat, flat + 0.2, data_range=1.0) == pytest.approx(luminance(0.4, 0.6) ** weight)
    truth, noisy = textured((64, 64), seed=4)
    assert ms_ssim(truth, noisy) == ms_ssim(truth, noisy, scales=3)
    assert ms_ssim(truth, noisy) > ssim(truth, noisy)  # noise is mostly a fine-scale loss


def test_ssim_refuses_images_smaller_than_its_window():
    with pytest.raises(ValueError, match="at least 11 pixels"):
        ssim(np.eye(10), np.eye(10))
    with pytest.raises(ValueError, match="scales must be"):
        ms_ssim(np.eye(16), np.eye(16), scales=6)


def test_pooled_ssim_reproduces_the_m_rbcr_call():
    truth, noisy = textured((8, 32, 32), seed=5)
    # m-rBCR: structural_similarity(pred, gt, multichannel=True) on (N, H, W, 1), float → range 2
    reference = structural_similarity(
        noisy[..., None], truth[..., None], channel_axis=-1, data_range=2
    )
    assert pooled_ssim(truth, noisy) == pytest.approx(reference, abs=1e-12)
    assert pooled_ssim(truth, noisy) > pooled_ssim(truth, noisy, data_range=1.0)
