"""Run a verb chunk by chunk into an OME-Zarr: the face for data larger than one machine.

``run_chunked("deconvolve", "in.ome.zarr", "out.ome.zarr", method="rl", ...)`` prepares the
method once (its PSF or model, its halo), computes any per-plane statistic, then sends every
chunk not yet written to the pool; a failed chunk is retried, a lost worker's chunks rerun,
and a stopped job resumes where it stopped when run again with the same arguments.
"""
from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

import numpy as np

from ..engine.progress import CancelLike, Cancelled, ProgressCallback
from ..engine.validation import InvalidInput
from ..io import create_ome_zarr
from .chunk_plan import Chunk, block_region, chunk_shape, plan_chunks
from .chunk_task import ChunkTask, block_statistic, process_chunk
from .manifest import Manifest
from .pools import check_scheduler, open_pool
from .registry import CHUNKED_VERBS
from .sources import open_source

_POLL_S = 0.25  # how often the job looks at the cancel token while chunks run
IN_FLIGHT_PER_WORKER = 4  # chunks submitted ahead per worker: enough to keep each one busy


class ChunkFailed(RuntimeError):
    """A chunk failed on every attempt; the chunks written so far are kept for a re-run."""


@dataclass
class ChunkedRun:
    """What a chunked job did: its output, chunk counts and throughput (``describe()``)."""

    output: Path
    axes: str
    chunks: int
    computed: int
    skipped: int
    retried: int
    seconds: float  # from the pool's start (worker start-up excluded) to the last chunk
    pixels: int  # computed, halo excluded
    metadata: dict[str, Any] = field(default_factory=dict)
    extras: tuple[str, ...] = ()  # the other outputs, each an image inside the output

    def describe(self) -> str:
        """One line: chunks written and skipped, retries, throughput."""
        rate = self.pixels / self.seconds / 1e6 if self.seconds > 0 else 0.0
        return (f"{self.chunks} chunks: {self.computed} written, {self.skipped} already there, "
                f"{self.retried} failed attempts retried; {rate:.3g} Mpixel/s over "
                f"{self.seconds:.1f} s")

    def result(self):
        """The output as a verb's Result, its image and extras read lazily from the OME-Zarr."""
        from ..io import read_ome_zarr
        from ..methods import Result

        extras = {name: read_ome_zarr(self.output / name).data for name in self.extras}
        return Result(image=read_ome_zarr(self.output).data, extras=extras, metadata={
            **self.metadata, "axes": self.axes, "seconds": self.seconds,
            "chunks": self.chunks, "output": str(self.output)})


def run_chunked(verb: str, image, output=None, *, axes: Optional[str] = None,
                pixel_size_nm: Optional[dict[str, float]] = None, chunk: int = 1024,
                scheduler: Any = "threads", workers: Optional[int] = None, retries: int = 2,
                progress: Optional[ProgressCallback] = None,
                cancel: Optional[CancelLike] = None, **options) -> ChunkedRun:
    """Run ``verb`` ("deconvolve", "denoise", …) on ``image`` chunk by chunk into ``output``.

    ``image`` is an OME-Zarr or TIFF path (workers open it themselves) or a numpy or dask
    array (local threads only). ``output`` is an OME-Zarr path (default: a folder in the
    temporary directory named after the job); its axes and pixel sizes are the input's
    (``pixel_size_nm`` or ``optics`` fill what the input lacks). ``chunk`` pixels per spatial
    axis; ``scheduler``: "threads", "processes", "tcp://HOST:PORT" or a ``distributed.Client``;
    a chunk failing is tried ``retries`` more times. ``options`` are the verb's own
    (method, optics, psf, iterations, model, device …). Progress counts chunks.
    """
    if verb not in CHUNKED_VERBS:
        raise InvalidInput(f"'{verb}' does not run chunk by chunk; choose one of "
                           f"{', '.join(CHUNKED_VERBS)}")
    check_scheduler(scheduler)
    source, image_file = open_source(image, axes)
    if source.local_only and scheduler != "threads":
        raise InvalidInput("an array in memory is processed on the local threads only "
                           "(scheduler='threads'); save it as OME-Zarr to use processes or a "
                           "cluster")
    shape, axes = tuple(image_file.data.shape), image_file.axes
    method = CHUNKED_VERBS[verb](shape, axes, dict(options))
    whole = method.whole + "".join(grid.drops for grid in method.outputs.values())
    steps = chunk_shape(shape, axes, method.spatial_axes, chunk, method.align, whole)
    chunks = plan_chunks(shape, axes, method.spatial_axes, steps, method.halo)
    job = {"verb": verb, "source": source.identity(), "shape": list(shape), "axes": axes,
           "chunk": list(steps), "halo": list(method.halo),
           "options": _plain({k: v for k, v in options.items() if k != "device"})}
    output = Path(output) if output is not None else _default_output(verb, job)
    # "image" first: creating the main output empties its folder, where the others live
    outputs = {name: str(output if name == "image" else output / name)
               for name in sorted(method.outputs, key=lambda name: name != "image")}
    manifest = Manifest(output)
    if not manifest.matches(job):
        sizes = {**_optics_sizes(options.get("optics"), axes), **image_file.pixel_size_nm,
                 **(pixel_size_nm or {})}
        _create_outputs(outputs, method, job, sizes)
        manifest.begin(job)
    written = manifest.written()
    todo = [c for c in chunks if c.key not in written]
    task = ChunkTask(source, axes, method, outputs, str(output), options.get("device", "auto"))
    with open_pool(scheduler, workers) as pool:
        started = time.perf_counter()  # the pool's start-up (worker processes) not counted
        shared = pool.share(task)
        statistics = _statistics(pool, shared, todo, axes, method, progress, cancel)
        retried = _run_chunks(pool, shared, todo, statistics, axes, method, retries,
                              progress, cancel, len(chunks))
        seconds = time.perf_counter() - started
    pixels = sum(int(np.prod([s.stop - s.start for s in c.core])) for c in todo)
    return ChunkedRun(output, method.outputs["image"].axes(axes), len(chunks), len(todo),
                      len(chunks) - len(todo), retried, seconds, pixels,
                      {"verb": verb, **method.metadata,
                       "device": options.get("device", "auto")},
                      tuple(name for name in outputs if name != "image"))


def _create_outputs(outputs: dict[str, str], method, job: dict, sizes: dict) -> None:
    """An empty OME-Zarr per output, on its grid, with the job's method recorded."""
    shape, axes, steps = job["shape"], job["axes"], job["chunk"]
    attributes = _plain({"verb": job["verb"], "source": job["source"], **method.metadata})
    for name, path in outputs.items():
        grid = method.outputs[name]
        create_ome_zarr(path, grid.shape(shape, axes), grid.axes(axes), grid.pixel_sizes(sizes),
                        grid.shape(steps, axes), attributes)


def _statistics(pool, shared, todo: list[Chunk], axes, method, progress, cancel) -> dict:
    """Each needed block's statistic (None for every block when the method has none)."""
    blocks = {c.block(axes, method.spatial_axes) for c in todo} if method.statistic else set()
    if not blocks:
        return {}
    run_id = time.time_ns()

    def submit(numbered):
        return pool.submit(block_statistic, shared,
                           block_region(numbered[1], axes, method.spatial_axes),
                           key=f"statistic-{numbered[0]}-{run_id}")

    values = {}
    queue = deque(enumerate(sorted(blocks)))
    for (_, block), future in _as_finished(pool, queue, submit, cancel):
        values[block] = future.result()
        if progress is not None:
            progress(len(values), len(blocks), "measuring each plane")
    return values


def _as_finished(pool, queue: deque, submit, cancel) -> Iterator:
    """(item, its finished future) for every item of ``queue``, items appended meanwhile too,
    with at most `IN_FLIGHT_PER_WORKER` futures per worker submitted at a time: waiting on
    thousands of futures at once (a 20 GB stack's chunks) stalls the client's event loop until
    it loses the scheduler. Futures still in flight are cancelled if the caller stops early."""
    window = IN_FLIGHT_PER_WORKER * max(pool.workers, 1)
    pending: dict = {}
    try:
        while queue or pending:
            while queue and len(pending) < window:
                item = queue.popleft()
                pending[submit(item)] = item
            _check_cancel(pool, pending, cancel)
            done, _ = pool.wait_first(pending, _POLL_S)
            for future in done:
                yield pending.pop(future), future
    finally:
        if pending:
            pool.cancel(pending)


def _run_chunks(pool, shared, todo, statistics, axes, method, retries, progress, cancel,
                total) -> int:
    """Submit every chunk of ``todo``, retrying failures; return how many attempts failed."""
    local_cancel = cancel if pool.in_process else None
    attempts: Counter = Counter()
    run_id = time.time_ns()

    def submit(chunk: Chunk):
        statistic = statistics.get(chunk.block(axes, method.spatial_axes))
        key = f"chunk-{chunk.key}-{run_id}-{attempts[chunk.key]}"
        return pool.submit(process_chunk, shared, chunk, statistic, local_cancel, key=key)

    queue = deque(todo)
    done_count, retried = total - len(todo), 0
    for chunk, future in _as_finished(pool, queue, submit, cancel):
        error = future.exception()
        if error is None:
            done_count += 1
            if progress is not None:
                progress(done_count, total, f"chunk {chunk.key} written")
            continue
        if isinstance(error, (InvalidInput, Cancelled)):
            raise error
        if attempts[chunk.key] >= retries:
            raise ChunkFailed(f"chunk {chunk.key} failed {retries + 1} times; the chunks "
                              f"written are kept, run again to resume. Last error: "
                              f"{error}") from error
        attempts[chunk.key] += 1
        retried += 1
        queue.append(chunk)
    return retried


def _check_cancel(pool, pending, cancel) -> None:
    if cancel is not None and cancel.is_set():
        pool.cancel(pending)
        raise Cancelled("cancelled by the user; the chunks written are kept, run again to resume")


def _optics_sizes(optics, axes: str) -> dict[str, float]:
    """Pixel sizes the verb's ``optics`` state, for an input that states none."""
    if optics is None:
        return {}
    sizes = {"X": optics.pixel_size_nm, "Y": optics.pixel_size_nm}
    if optics.z_step_nm is not None and "Z" in axes:
        sizes["Z"] = optics.z_step_nm
    return sizes


def _default_output(verb: str, job: dict) -> Path:
    """A folder in the temporary directory named after the job: running it again resumes."""
    digest = hashlib.sha256(json.dumps(job, sort_keys=True).encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "napari-inverse-chunked"
    folder.mkdir(exist_ok=True)
    return folder / f"{verb}-{digest}.ome.zarr"


def _plain(value):
    """``value`` as JSON: arrays by their digest, Optics as their fields."""
    if isinstance(value, np.ndarray):
        digest = hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()
        return {"array_sha256": digest, "shape": list(value.shape)}
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return str(value)
