"""Read ImageJ hyperstacks, OME-TIFF and plain TIFF into an :class:`ImageFile` with calibration.

Failures become messages a user can act on: a missing file is a FileNotFoundError, anything
that is not a complete TIFF is an InvalidInput naming the file and what to do.
"""
from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import Iterator, NamedTuple, Optional

import tifffile

from ..engine.axes import AXIS_LETTERS
from ..engine.validation import InvalidInput
from .image_file import ImageFile
from .tiff_calibration import read_calibration
from .tiff_pixels import series_pixels

# Axes tifffile reports that we have no letter for (Q other, I image sequence, E lambda, …) are
# named with the free letters in ImageJ's order, so a plain stack of planes becomes "TYX".
_FREE_LETTERS = "TZC"
# The most a codec can expand its stored bytes: none, LZW, deflate (1032:1), PackBits (128:2).
_MOST_EXPANSION = {1: 1, 5: 3000, 8: 1100, 32946: 1100, 32773: 70}
_SAVE_HINT = "save it as TIFF or OME-TIFF (Fiji: File > Save As > Tiff...) and try again"


def read_tiff(path, lazy: Optional[bool] = None) -> ImageFile:
    """Read the first image series of the TIFF at ``path``.

    Axes keep the file's order, with tifffile's letters mapped onto TCZYXS: singleton axes
    without a meaning are dropped, other unnamed axes take the first free letter of T, Z, C,
    and planar RGB samples ("SYX") become channels. A series above ``tiff_pixels.LAZY_BYTES``
    (or any, with ``lazy=True``) comes as a dask array read plane by plane when computed.
    """
    path = Path(path)
    with _opened_tiff(path) as tif:
        series = tif.series[0]
        _check_complete(tif, series, path)
        axes, shape = _map_axes(series.axes, series.shape, path)
        pixel_size_nm, metadata = read_calibration(tif, axes)
        data = series_pixels(tif, series, lazy)
        # tifffile logs some decoding failures and returns an empty array: reshaping here
        # turns that into the error below too.
        data = data.reshape(shape)
        metadata.update(source=str(path), original_axes=series.axes,
                        series_count=len(tif.series))
    return ImageFile(data, axes, pixel_size_nm, metadata)


@contextlib.contextmanager
def _opened_tiff(path: Path) -> Iterator[tifffile.TiffFile]:
    """The open TIFF at ``path``; any failure to parse or decode it, inside the block too,
    becomes InvalidInput naming the file (the original kept as its cause)."""
    if not path.exists():
        raise FileNotFoundError(f"no such file: '{path}'; check the path and the current folder")
    if path.is_dir():
        raise InvalidInput(f"'{path}' is a folder, not an image file; give the path of a TIFF file")
    try:
        with tifffile.TiffFile(path) as tif:
            yield tif
    except InvalidInput:
        raise
    except OSError as error:
        if error.errno is not None:  # the system's own failure (a disk, a network share)
            raise
        raise InvalidInput(damaged_file_message(f"'{path}'", error)) from error
    except Exception as error:  # noqa: BLE001 — a damaged file fails in any codec or parser
        # tifffile raises its TiffFileError, zlib.error, struct.error, IndexError, KeyError,
        # MemoryError … depending on where the file is damaged; all mean the same.
        raise InvalidInput(damaged_file_message(f"'{path}'", error)) from error


def damaged_file_message(named: str, error: Exception) -> str:
    """What to say when the file(s) ``named`` failed to parse or decode with ``error``."""
    return (f"cannot read {named} as a TIFF image ({_kind(error)}: {error}); the file is damaged "
            f"or not a TIFF: check it opens in Fiji, or {_SAVE_HINT}")


def _kind(error: Exception) -> str:
    """The error's class as a user can search for it: ``zlib.error``, ``tifffile.TiffFileError``."""
    kind = type(error)
    package = kind.__module__.split(".")[0]
    return kind.__qualname__ if package == "builtins" else f"{package}.{kind.__qualname__}"


def _check_complete(tif: tifffile.TiffFile, series, path: Path) -> None:
    """Refuse truncated files, which tifffile may otherwise read as a shorter or partial image,
    and files whose strips hold far fewer bytes than their declared size (a damaged width or
    height tag), which tifffile reads as the few stored rows followed by zeros."""
    size = tif.filehandle.size
    stored, expansion = None, None
    if series.dataoffset is not None:
        ends = [series.dataoffset + series.nbytes]
    else:
        pages = [page for page in series.pages if page is not None]
        ends = [offset + count for page in pages
                for offset, count in zip(page.dataoffsets, page.databytecounts)]
        stored = sum(sum(page.databytecounts) for page in pages)
        codecs = {int(page.compression) for page in pages}
        if codecs <= set(_MOST_EXPANSION):
            expansion = max(_MOST_EXPANSION[codec] for codec in codecs)
    promised = (tif.imagej_metadata or {}).get("images", 0) if tif.is_imagej else 0
    planes = math.prod(n for a, n in zip(series.axes, series.shape) if a not in "YXS")
    if max(ends, default=0) > size or planes < promised:
        raise InvalidInput(
            f"'{path}' is truncated or corrupted: the file is smaller than its header says "
            f"({size} bytes); copy it again from the original source"
        )
    if expansion is not None and series.nbytes > expansion * stored:
        raise InvalidInput(
            f"'{path}' is corrupted: its header declares a {series.shape} image of "
            f"{series.nbytes} bytes, but it holds only {stored} bytes of pixel data; copy it "
            "again from the original source"
        )


def _map_axes(original: str, shape: tuple[int, ...], path: Path) -> tuple[str, tuple[int, ...]]:
    letters, kept = [], []
    for index, (letter, size) in enumerate(zip(original, shape)):
        if letter == "S" and index != len(original) - 1:
            letter = "C" if "C" not in original else "?"
        if letter not in AXIS_LETTERS:
            if size == 1:
                continue
            letter = "?"
        letters.append(letter)
        kept.append(size)
    free = [a for a in _FREE_LETTERS if a not in letters]
    if letters.count("?") > len(free):
        raise InvalidInput(
            f"'{path}' has {len(shape)} dimensions (axes {original!r}, shape {tuple(shape)}), "
            "more than the T, Z, C, Y, X (and RGB) that napari-inverse understands; "
            "save each position or series as its own file"
        )
    axes = "".join(free.pop(0) if a == "?" else a for a in letters)
    return axes, tuple(kept)


class TiffHeader(NamedTuple):
    """What a TIFF states about its first series without its pixels: axes and shape as
    :func:`read_tiff` would give them, and the pixel sizes in nm of the axes it calibrates."""

    axes: str
    shape: tuple[int, ...]
    pixel_size_nm: dict[str, float]


def read_tiff_header(path) -> TiffHeader:
    """The axes, shape and calibration of the TIFF at ``path``, reading no pixel data.

    For a layer another napari reader opened without its calibration: only the header is read,
    so a large stack costs nothing. Raises OSError when the file is gone and InvalidInput when
    it cannot be parsed as a TIFF.
    """
    path = Path(path)
    with _opened_tiff(path) as tif:
        series = tif.series[0]
        axes, shape = _map_axes(series.axes, series.shape, path)
        pixel_size_nm, _ = read_calibration(tif, axes)
    return TiffHeader(axes, shape, pixel_size_nm)
