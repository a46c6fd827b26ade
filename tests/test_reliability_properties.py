"""Generated bad and odd inputs through every verb, the command line and the TIFF reader.

Each call either returns a result of the input's shape with finite values, or raises
InvalidInput (the CLI: exit 0 with such a file written, or exit 2 with one line); no other
exception, and the input is never modified. CI runs a fixed budget with a fixed seed; a longer
randomised run: ``HYPOTHESIS_PROFILE=nightly pytest tests/test_reliability_properties.py``.
"""
from __future__ import annotations

import contextlib
import io
import os
import struct
import tempfile
import warnings
from pathlib import Path

import dask.array as da
import numpy as np
import pytest
import tifffile
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from napari_inverse import InvalidInput, Optics, deconvolve, denoise
from napari_inverse.cli import main
from napari_inverse.io import read_tiff

settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(
    "nightly", deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)
SCALE = 10 if PROFILE == "nightly" else 1


def budget(examples: int) -> settings:
    """``examples`` in CI (a few hundred over the file), ten times as many nightly."""
    return settings(max_examples=examples * SCALE)


@pytest.fixture(autouse=True)
def _one_thread(single_thread):
    yield


# ---- generated images ---------------------------------------------------------------------

def mostly(valid, odd, odds: int = 4):
    """``valid`` about (odds - 1) times in ``odds``, else ``odd``: most examples then reach the
    verb's work with one thing wrong at a time (shrinking goes towards ``valid``)."""
    return st.integers(0, odds - 1).flatmap(lambda k: odd if k == odds - 1 else valid)


SIZES = mostly(st.integers(8, 16), st.sampled_from([0, 1, 2, 7]))
DTYPES = mostly(st.sampled_from(["uint8", "uint16", "int16", "float16", "float32", "float64"]),
                st.sampled_from(["bool", "int32", "complex64", "int64"]))
_MEMMAP_FOLDER = tempfile.TemporaryDirectory(prefix="reliability-memmaps-")  # gone at exit
LAYOUTS = st.sampled_from(["contiguous", "strided", "fortran", "memmap", "dask", "broadcast"])
NOT_FINITE = st.sampled_from([np.nan, np.inf, -np.inf])


@st.composite
def images(draw, max_ndim: int = 4):
    """(array as the verb gets it, a copy of its values): odd shapes, dtypes, NaN/Inf, strides,
    read-only memmaps, dask and broadcast arrays."""
    ndim = draw(mostly(st.integers(2, max_ndim), st.sampled_from([0, 1, 5])))
    shape = tuple(draw(SIZES) for _ in range(ndim))
    if ndim >= 3 and draw(st.booleans()):  # a short stack or a colour-like last axis
        shape = (draw(st.sampled_from([2, 3, 5])),) + shape[1:]
    dtype = np.dtype(draw(DTYPES))
    elements = st.floats(0, 1e4, width=16 if dtype.itemsize < 4 else 32) \
        if dtype.kind in "fc" else None
    values = draw(hnp.arrays(dtype, shape, elements=elements))
    if values.size and dtype.kind in "fc" and draw(st.integers(0, 5)) == 5:
        values.flat[draw(st.integers(0, values.size - 1))] = draw(NOT_FINITE)
    image = _laid_out(values, draw(LAYOUTS))
    return image, _values(image).copy()


def _laid_out(values: np.ndarray, layout: str):
    if layout == "strided" and values.ndim:
        doubled = np.repeat(values, 2, axis=-1)
        return doubled[..., ::2]
    if layout == "fortran":
        return np.asfortranarray(values)
    if layout == "memmap" and values.size:
        handle, name = tempfile.mkstemp(suffix=".raw", dir=_MEMMAP_FOLDER.name)
        os.close(handle)
        values.tofile(name)
        return np.memmap(name, dtype=values.dtype, mode="r", shape=values.shape)
    if layout == "dask":
        return da.from_array(values, chunks=tuple(max(1, n // 2) for n in values.shape))
    if layout == "broadcast" and values.ndim:
        return np.broadcast_to(values[..., :1], values.shape) if values.shape[-1] else values
    return values


def _values(array) -> np.ndarray:
    return np.asarray(array.compute() if hasattr(array, "compute") else array)


def _unchanged(array, before: np.ndarray) -> bool:
    now = _values(array)
    if now.dtype.kind in "fc":
        return np.array_equal(now, before, equal_nan=True)
    return np.array_equal(now, before)


OPTICS_2D = Optics(na=1.4, wavelength_nm=520, pixel_size_nm=100)
OPTICS_3D = Optics(na=1.4, wavelength_nm=520, pixel_size_nm=100, z_step_nm=250)

BAD_NUMBERS = st.sampled_from([None, True, 2.5, -1, 0, float("nan"), float("inf"), "3", 1e9])
ITERATIONS = mostly(st.integers(1, 3), BAD_NUMBERS)
TV_WEIGHTS = mostly(st.sampled_from([0.0, 0.001, 0.05]), BAD_NUMBERS | st.floats())
BALANCES = mostly(st.none() | st.floats(1e-4, 1.0), BAD_NUMBERS)
AXES = mostly(st.none(), st.sampled_from(["YX", "ZYX", "TYX", "CYX", "TZYX", "yxz", "", 7]))
OPTICS_FIELDS = st.fixed_dictionaries({
    "na": st.sampled_from([1.4, 0.8, True, -1, float("nan"), "1.4", 2.0]),
    "wavelength_nm": st.sampled_from([520, 0.52, float("inf")]),
    "pixel_size_nm": st.sampled_from([100, 65.0, 0.1, None]),
    "z_step_nm": st.sampled_from([None, 250, "200", 0, float("nan")]),
})


@st.composite
def optics_or_error(draw):
    """Mostly a valid Optics; sometimes fields that must be refused on construction."""
    choice = draw(st.sampled_from(["2d", "3d", "3d", "generated"]))
    if choice == "2d":
        return OPTICS_2D
    if choice == "3d":
        return OPTICS_3D
    fields = draw(OPTICS_FIELDS)
    try:
        return Optics(**fields)
    except InvalidInput:
        return None  # refused as it should be; the verb is then given no optics


def _check_call(image, before, call):
    """Run ``call`` and check the contract: a finite result of the input's shape, or
    InvalidInput; the input unchanged either way."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a pixel size outside a model's range only warns
        try:
            result = call()
        except InvalidInput as error:
            event(f"refused: {' '.join(str(error).split()[:3])}")
            result = None
        else:
            event("result")
    if result is not None:
        assert result.image.shape == tuple(image.shape)
        assert np.isfinite(result.image).all()
    assert _unchanged(image, before)


# ---- the verbs ----------------------------------------------------------------------------

@budget(60)
@given(images(), mostly(st.sampled_from(["rl", "richardson_lucy", "wiener", "RL"]),
                        st.sampled_from(["nope", None, 3])),
       optics_or_error(), ITERATIONS, TV_WEIGHTS, BALANCES, AXES)
def test_classical_deconvolution_gives_a_result_or_invalid_input(
        generated, method, optics, iterations, tv_weight, regularization, axes):
    image, before = generated
    _check_call(image, before, lambda: deconvolve(
        image, method, optics=optics, iterations=iterations, tv_weight=tv_weight,
        regularization=regularization, axes=axes))


@budget(25)
@given(images(max_ndim=3),
       hnp.arrays(np.float32, st.tuples(*[mostly(st.integers(1, 9), st.just(0))] * 2),
                  elements=mostly(st.floats(0, 1, width=32), st.floats(-1, 1, width=32), odds=20)))
def test_a_generated_measured_psf_gives_a_result_or_invalid_input(generated, psf):
    image, before = generated
    psf_before = psf.copy()
    _check_call(image, before, lambda: deconvolve(image, "rl", psf=psf, iterations=2))
    np.testing.assert_array_equal(psf, psf_before)


@budget(20)
@given(images(max_ndim=3), mostly(st.sampled_from(["care", "CARE"]), st.just("unet")),
       st.sampled_from([None, OPTICS_2D]), mostly(st.just(False), st.sampled_from([True, "yes"])),
       mostly(st.sampled_from(["auto", "float32"]), st.just("half")))
def test_learned_deconvolution_gives_a_result_or_invalid_input(
        generated, method, optics, resample, precision):
    image, before = generated
    _check_call(image, before, lambda: deconvolve(
        image, method, optics=optics, resample=resample, precision=precision, device="cpu"))


@budget(20)
@given(images(max_ndim=3), mostly(st.sampled_from(["n2v", "care", "noise2void"]),
                                  st.sampled_from(["rl", None])), AXES)
def test_denoising_gives_a_result_or_invalid_input(generated, method, axes):
    image, before = generated
    _check_call(image, before, lambda: denoise(image, method, axes=axes, device="cpu"))


# ---- the command line ---------------------------------------------------------------------

FLAG_VALUES = st.sampled_from(["1", "2", "2.5", "-3", "nan", "inf", "x", "", "1e9", "0"])
TIFF_DTYPES = st.sampled_from(["uint8", "uint16", "int16", "float32", "bool"])


@budget(30)
@given(st.tuples(st.sampled_from([1, 3, 5]), st.sampled_from([1, 8, 12]),
                 st.sampled_from([8, 12])).flatmap(
           lambda shape: hnp.arrays(TIFF_DTYPES, shape)),
       st.sampled_from(["rl", "wiener", "care", "magic"]),
       st.lists(st.tuples(st.sampled_from(["--na", "--wavelength", "--pixel-size", "--z-step",
                                           "--iterations", "--tv", "--regularization",
                                           "--axes", "--device"]), FLAG_VALUES),
                max_size=3))
def test_the_command_line_exits_0_or_2_with_one_line(data, method, flags):
    with tempfile.TemporaryDirectory() as folder:
        source, output = Path(folder) / "in.tif", Path(folder) / "out.ome.tif"
        tifffile.imwrite(source, np.squeeze(data, axis=0) if data.shape[0] == 1 else data,
                         photometric="minisblack")
        argv = ["deconvolve", str(source), "-o", str(output), "--method", method,
                "--na", "1.4", "--wavelength", "520", "--pixel-size", "100", "--device", "cpu"]
        argv += ["--iterations", "2"] if method == "rl" else []
        for flag, value in flags:
            argv += [f"{flag}={value}"]
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            status = main(argv)
        lines = [line for line in stderr.getvalue().splitlines() if "error" in line]
        event(f"exit {status}" + (f": {lines[0][23:60]}" if status and lines else ""))
        assert status in (0, 2), stderr.getvalue()
        if status == 2:
            assert len(lines) == 1 and lines[0].startswith("napari-inverse: error: ")
        else:
            written = tifffile.imread(output)
            assert written.size == data.size and np.isfinite(written).all()


# ---- damaged TIFF files -------------------------------------------------------------------

@st.composite
def damaged_tiffs(draw):
    """Bytes of a TIFF damaged one way: truncated, a scrambled compressed strip, a changed
    tag value (e.g. a huge declared width), or random bytes over the header or IFD."""
    shape = draw(st.sampled_from([(16, 16), (3, 16, 16), (2, 2, 8, 8)]))
    data = np.arange(np.prod(shape), dtype=np.uint16).reshape(shape)
    compression = draw(st.sampled_from([None, "zlib"]))
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, data, compression=compression, imagej=len(shape) == 3,
                     rowsperstrip=4)
    raw = bytearray(buffer.getvalue())
    with tifffile.TiffFile(io.BytesIO(bytes(raw))) as tif:
        page = tif.pages[0]
        strips = list(zip(page.dataoffsets, page.databytecounts))
        tags = [(tag.valueoffset, tag.dtype) for tag in page.tags.values()
                if tag.count == 1 and tag.dtype in (3, 4)]
    damage = draw(st.sampled_from(["truncate", "scramble", "tag", "bytes"]))
    if damage == "truncate":
        return bytes(raw[:draw(st.integers(0, len(raw) - 1))])
    if damage == "scramble":
        offset, count = draw(st.sampled_from(strips))
        noise = draw(st.binary(min_size=count, max_size=count))
        raw[offset:offset + count] = noise
    elif damage == "tag":
        offset, dtype = draw(st.sampled_from(tags))
        value = draw(st.sampled_from([0, 1, 3, 65535, 2**31 - 1, 2**32 - 1]))
        raw[offset:offset + (2 if dtype == 3 else 4)] = struct.pack(
            "<H" if dtype == 3 else "<I", min(value, 65535) if dtype == 3 else value)
    else:
        start = draw(st.integers(0, min(len(raw) - 1, 400)))
        noise = draw(st.binary(min_size=1, max_size=16))
        raw[start:start + len(noise)] = noise
    return bytes(raw)


@budget(80)
@given(damaged_tiffs())
def test_a_damaged_tiff_is_read_or_refused_with_invalid_input(raw):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "damaged.tif"
        path.write_bytes(raw)
        try:
            image_file = read_tiff(path)
        except InvalidInput as error:
            event("refused")
            assert "damaged.tif" in str(error)
        else:
            event("read")
            assert np.asarray(image_file.data).shape == image_file.data.shape
