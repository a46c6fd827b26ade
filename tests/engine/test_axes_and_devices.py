"""Axes strings, the spatial loop, device choice and the progress/cancel contract."""
import numpy as np
import pytest
import torch

from napari_inverse.engine import (
    CancelToken, Cancelled, InvalidInput, ProgressReporter, SpatialLoop, normalise_axes,
    percentile_normalise, select_device,
)
from napari_inverse.engine.normalisation import (MEAN_STD, PERCENTILE, denormalise, normalise,
                                               spec_bounds)


@pytest.mark.parametrize(
    "shape, expected",
    [((64, 64), "YX"), ((5, 64, 64), "ZYX"), ((3, 5, 64, 64), "TZYX"), ((64, 64, 3), "YXS")],
)
def test_axes_are_guessed_for_common_layouts(shape, expected):
    assert normalise_axes(None, shape) == expected


@pytest.mark.parametrize(
    "axes, shape, match",
    [("ZYX", (64, 64), "letters"), ("YXZ", (4, 4, 4), "end with YX"), ("YYX", (2, 4, 4), "once"),
     (None, (2, 2, 2, 2, 2, 2), "6-D")],
)
def test_bad_axes_are_refused_with_a_reason(axes, shape, match):
    with pytest.raises(InvalidInput, match=match):
        normalise_axes(axes, shape)


def test_spatial_loop_visits_every_frame_and_channel():
    image = np.arange(2 * 3 * 16 * 16, dtype=np.uint16).reshape(2, 3, 16, 16)
    loop = SpatialLoop(image, "TCYX", spatial_ndim=2)
    assert loop.n_blocks == 6 and loop.spatial_shape == (16, 16)
    out = loop.run(lambda block: block * 2)
    np.testing.assert_array_equal(out, image.astype(np.float32) * 2)


def test_spatial_loop_moves_z_into_the_block_for_3d_work():
    image = np.random.default_rng(0).random((2, 8, 16, 16)).astype(np.float32)
    loop = SpatialLoop(image, "TZYX", spatial_ndim=3)
    shapes = {block.shape for _, block in loop.blocks()}
    assert shapes == {(8, 16, 16)} and loop.n_blocks == 2


def test_rgb_is_refused_with_the_fix():
    with pytest.raises(InvalidInput, match="Split RGB"):
        SpatialLoop(np.zeros((64, 64, 3), np.uint8), None, spatial_ndim=2)


def test_auto_device_is_a_real_device_and_missing_ones_are_explained():
    assert select_device("auto").type in {"cpu", "cuda", "mps"}
    assert select_device("cpu") == torch.device("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            select_device("cuda")
    with pytest.raises(ValueError, match="unknown device"):
        select_device("tpu")


def test_reporter_counts_progress_and_stops_on_cancel():
    calls, token = [], CancelToken()
    reporter = ProgressReporter(4, lambda d, t, m: calls.append((d, t)), token)
    reporter.step()
    reporter.step()
    token.set()
    with pytest.raises(Cancelled):
        reporter.step()
    assert calls == [(1, 4), (2, 4)]


def test_percentile_normalisation_round_trips():
    image = np.random.default_rng(0).gamma(2.0, 100.0, (64, 64)).astype(np.float32)
    scaled, bounds = percentile_normalise(image, 1, 99)
    assert np.percentile(scaled, 1) == pytest.approx(0, abs=1e-4)
    assert np.percentile(scaled, 99) == pytest.approx(1, abs=1e-4)
    np.testing.assert_allclose(denormalise(scaled, bounds), image, rtol=1e-4)


def test_mean_std_normalisation_standardises_and_round_trips():
    image = np.random.default_rng(0).gamma(2.0, 100.0, (64, 64)).astype(np.float32)
    bounds = spec_bounds(image, MEAN_STD)
    scaled = normalise(image, bounds)
    assert scaled.mean() == pytest.approx(0, abs=1e-5) and scaled.std() == pytest.approx(1, 1e-4)
    np.testing.assert_allclose(denormalise(scaled, bounds), image, rtol=1e-4)
    assert spec_bounds(image, PERCENTILE) == percentile_normalise(image)[1]
    with pytest.raises(ValueError, match="unknown normalisation kind 'zscore'"):
        spec_bounds(image, {"kind": "zscore"})


def test_a_nearly_flat_image_round_trips_through_normalisation():
    """A range below eps is divided by eps; the pair returned must say so, or the restoration
    comes back scaled by range / eps."""
    image = np.linspace(0.0, 1e-7, 64).reshape(8, 8)
    scaled, bounds = percentile_normalise(image)
    np.testing.assert_allclose(denormalise(scaled, bounds), image, rtol=0, atol=1e-12)
    flat = np.full((8, 8), 3e12)  # eps added to so large a level would vanish in rounding
    scaled, bounds = percentile_normalise(flat)
    assert np.isfinite(scaled).all()
    np.testing.assert_allclose(denormalise(scaled, bounds), flat, rtol=1e-6)  # float32 output


def test_a_failed_device_job_drops_what_its_exception_would_keep():
    """The dock keeps a failed or cancelled job's exception to report it; the device tensors in
    the frames its traceback passed through must not stay alive with it."""
    import weakref

    from napari_inverse.engine.device import device_job

    class Tile:  # stands in for a tile on a GPU
        pass

    kept = []

    def restore_a_tile():
        tile = Tile()
        kept.append(weakref.ref(tile))
        raise RuntimeError("cancelled in the middle of a tile")

    with pytest.raises(RuntimeError) as failed:
        with device_job(torch.device("meta")):  # any device but the CPU
            restore_a_tile()
    assert failed.value.__traceback__ is not None and kept[0]() is None


def test_a_nan_in_the_last_frame_is_found_before_any_frame_is_computed():
    stack = np.ones((5, 16, 16), np.float32)
    stack[-1, 3, 3] = np.nan
    computed = []
    with pytest.raises(InvalidInput, match="1 NaN"):
        SpatialLoop(stack, "TYX", spatial_ndim=2).run(lambda block: computed.append(1) or block)
    assert computed == []


def test_a_cancelled_device_job_keeps_nothing_its_closures_held():
    """A frame keeps its function, and a closure its variables: apply_model's ``process`` held
    the network this way (1.0 MB of m-rBCR, 3.7 MB of CARE on an H200) while the dock kept the
    cancel's exception. A cancel's inner frames are therefore dropped."""
    import weakref

    from napari_inverse.engine.device import device_job

    class Network:
        pass

    kept = []

    def apply_model():
        network = Network()
        kept.append(weakref.ref(network))

        def process():  # a closure over the network
            assert network is not None
            raise Cancelled("cancelled by the user")

        process()

    with pytest.raises(Cancelled) as cancelled:
        with device_job(torch.device("meta")):
            apply_model()
    assert cancelled.value.__traceback__ is not None and kept[0]() is None
