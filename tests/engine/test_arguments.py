"""Bad verb arguments are an InvalidInput naming the argument and the fix, never a raw error."""
from __future__ import annotations

import math

import dask.array as da
import numpy as np
import pytest

from napari_inverse import deconvolve, denoise
from napari_inverse.engine import InvalidInput
from napari_inverse.engine import memory_budget
from napari_inverse.engine.arguments import Choice, Flag, Number, declare_arguments
from napari_inverse.optics import Optics

OPTICS = Optics(na=1.4, wavelength_nm=520, pixel_size_nm=65)
IMAGE = np.random.default_rng(0).random((32, 32)).astype(np.float32)


@pytest.mark.parametrize("arguments, message", [
    (dict(method=None), "unknown method None; available"),
    (dict(method="rl", iterations=2.5), "iterations must be a whole number"),
    (dict(method="rl", iterations=True), "iterations must be a whole number"),
    (dict(method="rl", tv_weight=math.nan), "tv_weight=nan is out of range"),
    (dict(method="rl", tv_weight=math.inf), "tv_weight=inf is out of range"),
    (dict(method="wiener", regularization=0), "regularization=0.0 is out of range"),
    (dict(method="rl", tile_shape=(64, 6.5)), r"tile_shape\[1\] must be a whole number"),
    (dict(method="rl", axes=3), "axes must be a non-empty string"),
    (dict(method="rl", optics={"na": 1.4}), "optics must be of type Optics"),
    (dict(method="rl", iteration=5), "unexpected keyword argument 'iteration'"),
    (dict(method="mrbcr", resample="yes"), "resample must be True or False"),
    (dict(method="mrbcr", precision="half"), "unknown precision 'half'"),
])
def test_deconvolve_refuses_bad_arguments_with_the_fix(arguments, message):
    arguments = {"optics": OPTICS, **arguments}
    with pytest.raises(InvalidInput, match=message):
        deconvolve(IMAGE, **arguments)


def test_denoise_refuses_bad_arguments():
    with pytest.raises(InvalidInput, match="unknown method 'n3v'; available: care, n2v"):
        denoise(IMAGE, "n3v")
    with pytest.raises(InvalidInput, match="unknown device 'gpu'"):
        denoise(IMAGE, device="gpu")


@pytest.mark.parametrize("field, value, message", [
    ("z_step_nm", "200", "Optics.z_step_nm must be a positive number, got '200'"),
    ("na", True, "Optics.na must be a positive number, got True"),
    ("na", math.nan, "Optics.na=nan is out of range"),
    ("pixel_size_nm", math.inf, "Optics.pixel_size_nm=inf is out of range"),
    ("refractive_index", 0.5, "Optics.refractive_index=0.5 is out of range"),
])
def test_optics_refuses_wrong_types_booleans_and_nan(field, value, message):
    with pytest.raises(InvalidInput, match=message):
        Optics(**{"na": 1.4, "wavelength_nm": 520, "pixel_size_nm": 65, field: value})


def test_optics_values_become_plain_numbers():
    optics = Optics(na=np.float32(1.25), wavelength_nm=np.int64(520), pixel_size_nm=65)
    assert type(optics.na) is float and type(optics.wavelength_nm) is float


@pytest.mark.parametrize("method", ["rl", "wiener", "mrbcr"])
@pytest.mark.parametrize("lazy", [False, True])
def test_an_image_larger_than_memory_is_refused_up_front(monkeypatch, method, lazy):
    monkeypatch.setattr(memory_budget, "available_memory_bytes", lambda: 8 * 2**30)
    shape = (100_000, 100_000)
    image = (da.zeros(shape, dtype=np.float32, chunks=4096) if lazy
             else np.broadcast_to(np.float32(1), shape))
    with pytest.raises(InvalidInput, match=r"needs about .* GB of memory, but only 8.0 GB"):
        deconvolve(image, method, optics=OPTICS if method != "mrbcr" else None)


def test_available_memory_is_known_on_linux():
    assert memory_budget.available_memory_bytes() > 2**20


def test_a_declared_verb_gets_canonical_values():
    @declare_arguments({"method": Choice(("fast", "slow"), {"f": "fast"}),
                        "steps": Number(at_least=1, integer=True), "flag": Flag()})
    def verb(image, method="fast", steps=3, flag=False):
        return method, steps, flag

    assert verb(None, "F", np.int64(4), np.bool_(True)) == ("fast", 4, True)
    assert type(verb(None, steps=np.int64(4))[1]) is int
    with pytest.raises(TypeError, match="declares arguments it lacks"):
        declare_arguments({"missing": Flag()})(lambda image: image)
