"""Sample data opens through napari's own menu path as data + hidden ground truth in µm."""
from __future__ import annotations

import numpy as np
import pytest

from napari_inverse._napari import sample_data

WIDEFIELD_UM = (0.065, 0.065)
# key → [(layer name, layer type, dtype, scale in µm, visible)], the data layer first.
EXPECTED = {
    "widefield_filaments": [("microtubules (widefield)", "Image", np.float32, WIDEFIELD_UM, True),
                            ("microtubules (truth)", "Image", np.float32, WIDEFIELD_UM, False)],
    "widefield_actin": [("F-actin (widefield)", "Image", np.float32, WIDEFIELD_UM, True),
                        ("F-actin (truth)", "Image", np.float32, WIDEFIELD_UM, False)],
    "widefield_ccp": [("CCPs (widefield)", "Image", np.float32, WIDEFIELD_UM, True),
                      ("CCPs (truth)", "Image", np.float32, WIDEFIELD_UM, False)],
    "widefield_er": [("ER (widefield)", "Image", np.float32, WIDEFIELD_UM, True),
                     ("ER (truth)", "Image", np.float32, WIDEFIELD_UM, False)],
    "noisy_nuclei": [("nuclei (noisy)", "Image", np.float32, (0.2, 0.2), True),
                     ("nuclei (clean)", "Image", np.float32, (0.2, 0.2), False)],
    "brightfield_defocus_stack": [
        ("brightfield defocus stack", "Image", np.float32, (1.0, 0.21, 0.21), True),
        ("phase (truth, rad)", "Image", np.float32, (0.21, 0.21), False)],
    "focal_stack": [("focal stack", "Image", np.float32, (1.0, 0.325, 0.325), True),
                    ("in focus (truth)", "Labels", np.uint8, (1.0, 0.325, 0.325), False)],
}
FUNCTIONS = {
    "widefield_filaments": sample_data.widefield_filaments,
    "widefield_actin": sample_data.widefield_actin,
    "widefield_ccp": sample_data.widefield_ccp,
    "widefield_er": sample_data.widefield_er,
    "noisy_nuclei": sample_data.noisy_nuclei,
    "brightfield_defocus_stack": sample_data.brightfield_defocus_stack,
    "focal_stack": sample_data.widefield_focal_stack,
}


@pytest.mark.gui
@pytest.mark.parametrize("key", EXPECTED)
def test_sample_opens_with_names_scale_dtypes_and_hidden_truth(make_napari_viewer, key):
    viewer = make_napari_viewer()
    viewer.open_sample("napari-inverse", key)
    expected = EXPECTED[key]
    assert [layer.name for layer in viewer.layers] == [name for name, *_ in expected]
    for layer, (name, kind, dtype, scale, visible) in zip(viewer.layers, expected):
        assert type(layer).__name__ == kind, name
        assert layer.data.dtype == dtype, name
        np.testing.assert_allclose(layer.scale, scale, err_msg=name)
        assert layer.visible is visible, name
        assert layer.metadata["axes"] == "ZYX"[-layer.ndim:], name
        assert np.all(np.isfinite(layer.data)), name
    data = viewer.layers[0]
    low, high = data.contrast_limits
    assert np.mean(data.data > high) < 0.01  # no more than 1 % of the pixels saturate
    assert np.std(data.data) > 0.05 * (high - low)  # and the image is not a flat field


def test_microtubules_keep_the_optics_for_the_deconvolve_dock():
    image, truth = sample_data.widefield_filaments()
    for _, kwargs, _ in (image, truth):
        assert kwargs["metadata"]["optics"]["na"] == 1.4
        assert kwargs["metadata"]["pixel_size_nm"] == {"Y": 65.0, "X": 65.0}
    assert not np.array_equal(image[0], truth[0])


def test_defocus_stack_sits_at_minus_one_zero_plus_one_micrometre():
    stack, phase = sample_data.brightfield_defocus_stack()
    data, kwargs = stack[0], stack[1]
    planes_um = kwargs["translate"][0] + np.arange(data.shape[0]) * kwargs["scale"][0]
    np.testing.assert_allclose(planes_um, (-1.0, 0.0, 1.0))
    assert kwargs["metadata"]["dz_nm"] == [-1000.0, 0.0, 1000.0]
    assert phase[1]["metadata"]["units"] == "rad" and 1.0 <= phase[0].max() <= 3.5
    # transparent cells: contrast flips sign across focus (∂I/∂z ∝ −∇²φ, weak phase)
    below, above = data[0] - 1.0, data[2] - 1.0
    assert np.corrcoef(below.ravel(), above.ravel())[0, 1] < -0.3


def test_focal_stack_masks_mark_some_pixels_in_focus_in_every_plane():
    stack, masks = sample_data.widefield_focal_stack()
    assert masks[0].shape == stack[0].shape
    assert set(np.unique(masks[0])) <= {0, 1}
    assert masks[0].any(axis=(1, 2)).sum() >= stack[0].shape[0] // 2


@pytest.mark.parametrize("key", FUNCTIONS)
def test_samples_are_deterministic(key):
    first, second = FUNCTIONS[key](), FUNCTIONS[key]()
    for (a, kwargs_a, kind_a), (b, kwargs_b, kind_b) in zip(first, second):
        np.testing.assert_array_equal(a, b)
        assert kwargs_a["name"] == kwargs_b["name"] and kind_a == kind_b
