"""The Phase dock in a real viewer: a z-stack layer gives a phase layer on its YX grid, Δz from
the layer's scale; the preview reads every plane of the visible region; RGB needs focal shifts."""
from __future__ import annotations

import numpy as np
import pytest

from napari_inverse.metrics import phase_rmse
from napari_inverse.simulate import cell_phase, defocus_stack

pytestmark = pytest.mark.gui
PIXEL = 210.0
SCALE = (0.8, PIXEL / 1000, PIXEL / 1000)  # µm: planes 800 nm apart


@pytest.fixture(scope="module")
def specimen():
    phase = cell_phase((64, 64), PIXEL, n_cells=2, cell_diameter_nm=5000, max_phase_rad=1.0,
                       seed=8)
    planes = defocus_stack(phase, wavelength_nm=550, pixel_size_nm=PIXEL, dz_nm=[-800, 0, 800],
                           na=0.4, photons=None, condenser_na=0.2).intensity
    return planes, phase


def run_and_wait(qtbot, button, dock):
    button.clicked()
    qtbot.waitUntil(lambda: not dock.runner.running, timeout=30_000)


def test_a_z_stack_gives_a_phase_layer_on_the_same_grid(open_dock, qtbot, specimen):
    planes, truth = specimen
    viewer, dock = open_dock(widget="Phase")
    source = viewer.add_image(planes.copy(), name="stack", scale=SCALE, translate=(0, 1.0, 2.0))
    dock.image.value = source
    assert dock.z_step_nm.value == pytest.approx(800) and dock.pixel_size_nm.value == PIXEL
    assert not dock.z_step_nm.native.isHidden() and dock.focal_shifts.native.isHidden()
    dock.method.value, dock.optical_path.value = "wotf", True
    dock.regularization.value = "1e-7"
    run_and_wait(qtbot, dock.run_button, dock)
    phase = viewer.layers["stack · wotf"]
    assert phase.data.shape == (64, 64) and phase.colormap.name == "PiYG"
    np.testing.assert_allclose(phase.scale, SCALE[1:])
    np.testing.assert_allclose(phase.translate, (1.0, 2.0))
    assert phase.contrast_limits[0] == pytest.approx(-phase.contrast_limits[1])
    assert phase_rmse(truth, phase.data) < 0.1 * truth.std()
    path = viewer.layers["stack · optical path (nm)"]
    np.testing.assert_allclose(path.data, phase.data * 550 / (2 * np.pi), rtol=1e-5)
    np.testing.assert_array_equal(source.data, planes)


def test_preview_uses_every_plane_of_the_visible_region(open_dock, qtbot, specimen):
    planes, _ = specimen
    viewer, dock = open_dock(widget="Phase")
    big = np.tile(planes, (1, 3, 3))  # 192² so that the view can show part of it
    dock.image.value = viewer.add_image(big, name="stack", scale=SCALE)
    viewer.scene.camera.center = (0, 20.0, 20.0)
    viewer.scene.camera.zoom = 20
    run_and_wait(qtbot, dock.preview_button, dock)
    preview = viewer.layers["stack · tie (preview)"]
    assert 64 <= preview.data.shape[0] < 192 and preview.data.ndim == 2
    assert preview.metadata["napari_inverse"]["dz_nm"] == [-800, 0, 800]


def test_an_rgb_layer_without_focal_shifts_says_what_to_enter(open_dock, qtbot, notifications):
    viewer, dock = open_dock(widget="Phase")
    dock.image.value = viewer.add_image(np.ones((32, 32, 3), np.float32), name="rgb", rgb=True)
    assert dock.z_step_nm.native.isHidden() and not dock.focal_shifts.native.isHidden()
    dock.run_button.clicked()
    assert not dock.runner.running
    assert any("each colour's focus" in message for _, message in notifications)


def test_the_brightfield_sample_fills_the_dock_with_its_microscope(open_dock):
    from napari_inverse._napari.sample_data import brightfield_defocus_stack

    viewer, dock = open_dock(widget="Phase")
    data, kwargs, _ = brightfield_defocus_stack(shape=(32, 32))[0]
    dock.image.value = viewer.add_image(data, **kwargs)
    assert (dock.na.value, dock.wavelength_nm.value, dock.condenser_na.value) == (0.4, 550, 0.2)
    assert dock.z_step_nm.value == pytest.approx(1000) and dock.pixel_size_nm.value == 210


def test_zmd_adds_its_uncertainty_as_an_overlay_that_a_box_hides(open_dock, qtbot, specimen):
    planes, truth = specimen
    viewer, dock = open_dock(widget="Phase")
    two = planes[[0, 2]]  # ∓800 nm: the layer's z step is their distance
    source = viewer.add_image(two.copy(), name="two", scale=(1.6, *SCALE[1:]))
    dock.image.value = source
    dock.method.value = "zmd"
    assert not dock.samples.native.isHidden() and dock.condenser_na.native.isHidden()
    dock.na.value, dock.samples.value = 0.5, 2
    run_and_wait(qtbot, dock.run_button, dock)
    phase = viewer.layers["two · zmd"]
    # the shipped model's spread over the eight views is calibrated and ranks the errors
    sigma = viewer.layers["two · zmd · uncertainty (1σ)"]
    assert phase.data.shape == sigma.data.shape == (64, 64) and sigma.data.min() > 0
    np.testing.assert_allclose(sigma.scale, SCALE[1:])
    assert sigma.blending == "additive" and sigma.visible
    assert phase_rmse(truth, phase.data) < 0.5 * truth.std()
    dock.show_uncertainty.value = False
    assert not sigma.visible
