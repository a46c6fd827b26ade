"""The record that makes a chunked job resumable: what the job is, and which chunks are written.

It lives inside the output (``<output>/napari_inverse_job``): ``job.json`` describes the job
(verb, options, source, chunk grid) and ``done/`` holds one empty marker per written chunk,
created by an atomic rename only after the chunk's pixels are stored. A chunk without its marker
(the job crashed or was stopped while writing it) is written again; one with it is skipped.
"""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from ..engine.validation import InvalidInput

FOLDER = "napari_inverse_job"


class Manifest:
    """The job record of the output at ``output``."""

    def __init__(self, output) -> None:
        self.output = Path(output)
        self.folder = self.output / FOLDER

    def matches(self, job: dict[str, Any]) -> bool:
        """True when ``output`` holds this very job (resume it); False when there is no output
        yet. Refuses an output that holds something else rather than overwrite it."""
        if not self.output.exists():
            return False
        described = self.folder / "job.json"
        if not described.is_file():
            raise InvalidInput(f"'{self.output}' exists and was not written by a napari-inverse "
                               "chunked job; choose another output or remove it")
        if json.loads(described.read_text()) != json.loads(json.dumps(job)):
            raise InvalidInput(f"'{self.output}' holds another job (other input, method, options "
                               "or chunk size); choose another output, or remove it to start over")
        return True

    def begin(self, job: dict[str, Any]) -> None:
        """Record ``job`` in the (just created) output."""
        (self.folder / "done").mkdir(parents=True, exist_ok=True)
        _write_atomically(self.folder / "job.json", json.dumps(job, indent=1))

    def written(self) -> set[str]:
        """The keys of the chunks already written."""
        done = self.folder / "done"
        return {p.name for p in done.iterdir() if not p.name.startswith(".")} if done.is_dir() \
            else set()

    def mark_written(self, key: str) -> None:
        _write_atomically(self.folder / "done" / key, "")


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a hidden temporary beside ``path``, then rename it into place: a reader
    sees the whole file or none."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    with open(temporary, "w") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
