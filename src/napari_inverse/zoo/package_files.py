"""Read the files of a BioImage Model Zoo package (zip or folder) without extracting or running
anything: every name is checked to stay inside the package, and only bytes come out.

A package comes from anyone: a zip may hold ``../`` or absolute names that an extractor would
write outside its folder, and its rdf.yaml may point at files that are not there or elsewhere
on the disk. Nothing is written to disk here; the importer parses what it reads.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath

from .weights import ModelFileError

MAX_FILE_BYTES = 2 << 30
"""The largest file a package may hold (uncompressed), against zip bombs."""
DESCRIPTION_NAMES = ("rdf.yaml", "bioimageio.yaml")


class PackageFiles:
    """The files of the package at ``path`` (a .zip or a folder), read by their names in it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise ModelFileError(f"{self.path} does not exist; give a BioImage Model Zoo "
                                 "package (.zip) or the folder it was unpacked into")
        self._zip = None
        if self.path.is_file():
            try:
                self._zip = zipfile.ZipFile(self.path)
            except zipfile.BadZipFile:
                raise ModelFileError(f"{self.path} is not a zip file; a BioImage Model Zoo "
                                     "package is a .zip (or an unpacked folder)") from None
            for name in self._zip.namelist():
                unsafe_name_problem = _unsafe(name)
                if unsafe_name_problem:
                    raise ModelFileError(f"{self.path} holds the entry {name!r}, which "
                                         f"{unsafe_name_problem}; the package is refused")

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> "PackageFiles":
        return self

    def __exit__(self, *_) -> None:
        self.close()

    def description_name(self) -> str:
        """The name of the package's description (rdf.yaml or *.bioimageio.yaml at its root)."""
        names = self._zip.namelist() if self._zip else [p.name for p in self.path.iterdir()]
        found = [n for n in names if n in DESCRIPTION_NAMES or n.endswith(".bioimageio.yaml")]
        if len(found) != 1:
            raise ModelFileError(f"{self.path} holds {len(found)} package descriptions at its "
                                 "root; a BioImage Model Zoo package has exactly one rdf.yaml")
        return found[0]

    def read(self, name: str) -> bytes:
        """The bytes of the file ``name`` (a path relative to the package root, '/'-separated)."""
        problem = _unsafe(name)
        if problem:
            raise ModelFileError(f"the package {self.path} refers to the file {name!r}, which "
                                 f"{problem}; the package is refused")
        if self._zip is not None:
            try:
                info = self._zip.getinfo(str(PurePosixPath(name)))
            except KeyError:
                raise self._missing(name) from None
            _check_size(name, info.file_size)
            return self._zip.read(info)
        file = self.path / name
        root = self.path.resolve()
        if not file.is_file():
            raise self._missing(name)
        if root not in file.resolve().parents:
            raise ModelFileError(f"the package file {name!r} links outside {self.path}; the "
                                 "package is refused")
        _check_size(name, file.stat().st_size)
        return file.read_bytes()

    def _missing(self, name: str) -> ModelFileError:
        return ModelFileError(f"the package {self.path} names the file {name!r}, which is not in "
                              "it; the package is incomplete: export or download it again")


def _unsafe(name: str) -> str:
    """Why ``name`` could reach outside the package (or "" when it cannot)."""
    if "://" in name:
        return "is a remote address (napari-inverse reads packages offline; download it first)"
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "is an absolute or Windows path"
    if ".." in PurePosixPath(name).parts:
        return "climbs out of the package with '..'"
    return ""


def _check_size(name: str, size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise ModelFileError(f"the package file {name!r} unpacks to {size / 2**30:.1f} GiB, "
                             f"more than any model here needs ({MAX_FILE_BYTES >> 30} GiB); "
                             "the package is refused")


def safe_yaml(data: bytes):
    """``data`` parsed by YAML's safe loader (plain data only, no tags that build objects),
    with YAML 1.2's floats: bioimageio.spec writes ``1e-05``, which YAML 1.1 reads as text."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_implicit_resolver("tag:yaml.org,2002:float", _YAML12_FLOAT,
                                 list("-+0123456789."))
    return yaml.load(data, Loader=Loader)  # noqa: S506 (a SafeLoader subclass)


_YAML12_FLOAT = re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""", re.X)
