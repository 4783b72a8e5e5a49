"""Untrusted files are parsed and rendered in worker processes with a memory and a time limit.

A hostile upload can make a decoder allocate gigabytes or spin for minutes (a 435-byte PDF
with a 50,000-pt page, a 49-megapixel PNG). In the portal's own process that stalls every
session or ends them all in an OOM kill. Here each job runs in a child process whose address
space is capped (RLIMIT_AS) and which is killed when it overruns its time; the caller gets a
German refusal and the next job gets a fresh child.

The children are started with `python -m core.sandbox` (no fork of the threaded portal), with
an environment without the portal's secrets. A job is a JSON header on the child's stdin, the
reply a JSON header on its stdout; the bytes of files travel beside them in two anonymous
shared-memory files (memfd) the child inherits, so a megabyte crosses without waking either
side for every 64 KB of a pipe. Never a pickle: a child that a decoder exploit took over can
send back wrong bytes, but cannot make the portal run code by unpickling them.

Operations are named; the child maps a name to a function `(args, blobs) -> (result, blobs)`
from the fixed table OPERATIONS and nothing else.
"""

import atexit
import contextlib
import importlib
import json
import os
import resource
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.uploads.errors import UploadRejected

OPERATIONS: dict[str, str] = {
    "upload.normalise": "core.uploads.pipeline:normalise_operation",
    "preview.render": "core.previews:render_operation",
    "preview.page_count": "core.previews:page_count_operation",
}
# Imported by every child before its limit is set, so that their code is not counted.
_PRELOAD = ("core.uploads.pipeline", "core.previews", "pypdfium2", "pikepdf", "img2pdf")

MEGABYTE = 1024 * 1024
# Address space a job may use beyond the idle child (libraries loaded). The largest files we
# accept need about 250 MB: a 50-megapixel RGBA PNG decoded (200 MB) and reduced, or a 10 MB
# PDF whose streams are decoded one by one (64 MB each at most) beside its parsed objects.
MEMORY_BUDGET = 400 * MEGABYTE
# Wall time of one job. Normal jobs take well under a second (a 30-page preview about 2 s on
# a busy machine); the budget is generous so that a loaded server does not refuse good files.
TIMEOUT_SECONDS = 20.0
WORKERS = 2  # one per core of the reference machine; callers beyond that wait for a free one
WAIT_SECONDS = 30.0  # how long a caller waits for a free worker before it is refused
STARTUP_SECONDS = 60.0  # a child loads Pillow, pdfium, pypdf, qpdf: about a second when idle
JOBS_PER_WORKER = 500  # a child is replaced after this many jobs (fragmented heap)
MAX_HEADER_BYTES = MEGABYTE
MAX_REPLY_BYTES = 512 * MEGABYTE  # a reply claiming more is a broken or hostile child
KEPT_SHARED_BYTES = 32 * MEGABYTE  # shared memory above this is given back after a job

_HEADER_SIZE = 4
# What a child inherits: enough to run Python, nothing of the portal's configuration.
_INHERITED = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "HOME", "VIRTUAL_ENV")
_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class JobStats:
    """What one job cost the child: wall time and peak resident memory above its idle state."""

    seconds: float
    peak_rss_growth: int  # bytes; -1 unless the pool measures (WorkerPool(measure=True))
    address_space_limit: int  # RLIMIT_AS of the child, bytes


@dataclass(frozen=True)
class Reply:
    result: dict[str, Any]
    blobs: list[bytes]
    stats: JobStats


class WorkerLost(Exception):
    """The child died, overran its time or sent something that is not a reply."""


class WorkerGone(WorkerLost):
    """The child was gone before it got the job (killed while idle): the job can go elsewhere."""


def _refusal(detail: str) -> UploadRejected:
    return UploadRejected("unprocessable", detail=detail)


# --- framing (both sides) ---------------------------------------------------------------------


def _send(descriptor: int, header: dict[str, Any]) -> None:
    encoded = json.dumps(header).encode()
    message = memoryview(len(encoded).to_bytes(_HEADER_SIZE, "big") + encoded)
    while message:
        message = message[os.write(descriptor, message) :]


def _store(shared: int, blobs: list[bytes]) -> list[int]:
    """Blobs one after another into a shared-memory file; their sizes go into the header."""
    offset = 0
    for blob in blobs:
        view = memoryview(blob)
        while view:
            written = os.pwrite(shared, view, offset)
            view, offset = view[written:], offset + written
    return [len(blob) for blob in blobs]


def _load(shared: int, sizes: list[int]) -> list[bytes]:
    blobs, offset = [], 0
    for size in sizes:
        blob = os.pread(shared, size, offset)
        if len(blob) != size:
            raise WorkerLost("shared memory shorter than announced")
        blobs.append(blob)
        offset += size
    return blobs


def _parse_header(encoded: bytes) -> dict[str, Any]:
    header = json.loads(encoded)
    sizes = header.get("sizes", []) if isinstance(header, dict) else None
    if (
        not isinstance(sizes, list)
        or not all(isinstance(size, int) and size >= 0 for size in sizes)
        or sum(sizes) > MAX_REPLY_BYTES
    ):
        raise WorkerLost("malformed header")
    return header


# --- the parent's side ------------------------------------------------------------------------


class _Worker:
    """One child process, the pipes of its headers and the shared memory of its bytes."""

    def __init__(self, memory_budget: int) -> None:
        environment = {name: os.environ[name] for name in _INHERITED if name in os.environ}
        environment["PYTHONPATH"] = str(_ROOT)
        environment["MALLOC_ARENA_MAX"] = "2"  # threads of decoders reserve less address space
        # Buffers of a few MB are reused from the heap instead of fresh pages for every file:
        # page faults on new memory were a third of the time of a 1 MB PDF's round trip.
        environment["MALLOC_MMAP_THRESHOLD_"] = str(16 * MEGABYTE)
        environment["MALLOC_TRIM_THRESHOLD_"] = str(32 * MEGABYTE)
        self.inbox = os.memfd_create("hek-sandbox-job", os.MFD_CLOEXEC)
        self.outbox = os.memfd_create("hek-sandbox-reply", os.MFD_CLOEXEC)
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            [
                sys.executable,
                "-m",
                "core.sandbox",
                str(memory_budget),
                str(self.inbox),
                str(self.outbox),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=environment,
            cwd=_ROOT,
            close_fds=True,
            pass_fds=(self.inbox, self.outbox),
        )
        self.jobs = 0
        self.address_space_limit = 0

    def wait_until_ready(self, timeout: float) -> None:
        """The child's first header says it has loaded its libraries and set its limit."""
        ready = self._receive(time.monotonic() + timeout)
        self.address_space_limit = int(ready.get("address_space_limit", 0))

    def call(self, header: dict[str, Any], blobs: list[bytes], timeout: float) -> Reply:
        deadline = time.monotonic() + timeout
        assert self.process.stdin is not None
        try:
            sizes = _store(self.inbox, blobs)
            _send(self.process.stdin.fileno(), {**header, "sizes": sizes})
        except OSError as error:
            raise WorkerGone(f"could not send the job: {error}") from error
        self.jobs += 1
        reply = self._receive(deadline)
        received = _load(self.outbox, reply["sizes"])
        self._give_back_shared_memory()
        stats = JobStats(**reply.get("stats", {}))
        if "rejected" in reply:
            rejected = reply["rejected"]
            error = UploadRejected(
                str(rejected["code"]), detail=rejected.get("detail"), **rejected.get("values", {})
            )
            error.stats = stats  # type: ignore[attr-defined]
            raise error
        if "failed" in reply:
            raise WorkerLost(str(reply["failed"]))
        return Reply(result=reply.get("result", {}), blobs=received, stats=stats)

    def _give_back_shared_memory(self) -> None:
        for shared in (self.inbox, self.outbox):
            if os.fstat(shared).st_size > KEPT_SHARED_BYTES:
                os.ftruncate(shared, 0)

    def _receive(self, deadline: float) -> dict[str, Any]:
        size = int.from_bytes(self._read(_HEADER_SIZE, deadline), "big")
        if size > MAX_HEADER_BYTES:
            raise WorkerLost("header too large")
        return _parse_header(self._read(size, deadline))

    def _read(self, size: int, deadline: float) -> bytes:
        assert self.process.stdout is not None
        descriptor = self.process.stdout.fileno()
        chunks: list[bytes] = []
        missing = size
        while missing:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerLost("timeout")
            ready, _, _ = select.select([descriptor], [], [], remaining)
            if not ready:
                raise WorkerLost("timeout")
            chunk = os.read(descriptor, missing)
            if not chunk:
                raise WorkerLost(f"worker ended (exit code {self.process.poll()})")
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):  # unsent bytes for a child that is gone
                    stream.close()
        for shared in (self.inbox, self.outbox):
            os.close(shared)


class WorkerPool:
    """A few children shared by every session of the process; a lost child is replaced."""

    def __init__(
        self,
        *,
        size: int = WORKERS,
        memory_budget: int = MEMORY_BUDGET,
        timeout: float = TIMEOUT_SECONDS,
        wait: float = WAIT_SECONDS,
        measure: bool = False,
    ) -> None:
        self.memory_budget = memory_budget
        self.timeout = timeout
        self.wait = wait
        self.measure = measure  # peak memory per job (tests, benches): a few /proc reads more
        self._free = threading.BoundedSemaphore(size)
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._local = threading.local()

    @property
    def last_stats(self) -> JobStats | None:
        """What the last job of this thread cost (for tests and benches)."""
        return getattr(self._local, "stats", None)

    def call(
        self,
        operation: str,
        args: dict[str, Any],
        blobs: list[bytes],
        *,
        timeout: float | None = None,
    ) -> Reply:
        """Run `operation` in a child; UploadRejected for a refusal, a crash or a timeout."""
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}")
        if not self._free.acquire(timeout=self.wait):
            raise _refusal("every worker busy")
        worker: _Worker | None = None
        try:
            worker = self._take()
            started = time.monotonic()
            job = {"operation": operation, "args": args, "measure": self.measure}
            try:
                try:
                    reply = worker.call(job, blobs, timeout or self.timeout)
                except WorkerGone:
                    worker.stop()
                    worker = None
                    worker = self._start()
                    reply = worker.call(job, blobs, timeout or self.timeout)
            except UploadRejected as rejected:
                self._local.stats = getattr(rejected, "stats", None)
                raise
            except (WorkerLost, ValueError, KeyError, TypeError) as error:
                self._local.stats = JobStats(time.monotonic() - started, -1, -1)
                if worker is not None:
                    worker.stop()
                worker = None
                self._put(self._start())  # the refused caller pays for the restart
                raise _refusal(f"{operation}: {error}") from None
            self._local.stats = reply.stats
            return reply
        finally:
            if worker is not None:
                if worker.jobs >= JOBS_PER_WORKER:
                    worker.stop()
                else:
                    self._put(worker)
            self._free.release()

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.process.poll() is None:
                    return worker
                worker.stop()
        return self._start()

    def _start(self) -> _Worker:
        worker = _Worker(self.memory_budget)
        try:
            worker.wait_until_ready(STARTUP_SECONDS)
        except (WorkerLost, ValueError) as error:
            worker.stop()
            raise _refusal(f"worker did not start: {error}") from None
        return worker

    def _put(self, worker: _Worker) -> None:
        with self._lock:
            self._idle.append(worker)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()


_pool: WorkerPool | None = None
_pool_lock = threading.Lock()


def pool() -> WorkerPool:
    """The process-wide pool, started on first use."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = WorkerPool()
            atexit.register(_pool.close)
        return _pool


def call(operation: str, args: dict[str, Any], blobs: list[bytes]) -> Reply:
    return pool().call(operation, args, blobs)


# --- the child's side -------------------------------------------------------------------------


def _status_bytes(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _reset_peak_rss() -> None:
    """Start a new high-water mark (VmHWM) for this job: Linux's clear_refs value 5."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return


def _limit_address_space(budget: int) -> int:
    page = os.sysconf("SC_PAGE_SIZE")
    idle = int(Path("/proc/self/statm").read_text().split()[0]) * page
    limit = idle + budget
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))  # hard too: no way back up
    return limit


def _read_exactly(descriptor: int, size: int) -> bytes | None:
    chunks, missing = [], size
    while missing:
        chunk = os.read(descriptor, missing)
        if not chunk:
            return None  # the portal closed the pipe: it is gone or shutting down
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def _run(function: Callable, header: dict[str, Any], blobs: list[bytes]):
    """The reply header's outcome and the blobs to send back."""
    try:
        result, out = function(header["args"], blobs)
        return {"result": result}, out
    except UploadRejected as rejected:
        values = getattr(rejected, "values", {})
        return {
            "rejected": {"code": rejected.code, "detail": rejected.detail, "values": values}
        }, []
    except MemoryError:
        return {"failed": "memory limit"}, []
    except Exception as error:  # a decoder failing in a way nobody classified
        return {"failed": f"{type(error).__name__}: {str(error)[:200]}"}, []


def _serve(budget: int, inbox: int, outbox: int) -> None:
    # The protocol owns the original stdin and stdout; anything a library prints goes to stderr.
    requests, replies = os.dup(0), os.dup(1)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)

    functions: dict[str, Callable[..., tuple[dict[str, Any], list[bytes]]]] = {}
    for name, target in OPERATIONS.items():
        module, function = target.split(":")
        functions[name] = getattr(importlib.import_module(module), function)
    for module in _PRELOAD:
        importlib.import_module(module)
    limit = _limit_address_space(budget)
    _send(replies, {"address_space_limit": limit})

    while True:
        size = _read_exactly(requests, _HEADER_SIZE)
        encoded = size and _read_exactly(requests, int.from_bytes(size, "big"))
        if not encoded:
            return
        header = json.loads(encoded)
        blobs = _load(inbox, header["sizes"])
        measure = bool(header.get("measure"))
        if measure:
            _reset_peak_rss()
            before = _status_bytes("VmRSS")
        started = time.monotonic()
        reply, out = _run(functions[header["operation"]], header, blobs)
        del blobs
        reply["stats"] = {
            "seconds": time.monotonic() - started,
            "peak_rss_growth": max(_status_bytes("VmHWM") - before, 0) if measure else -1,
            "address_space_limit": limit,
        }
        reply["sizes"] = _store(outbox, out)
        _send(replies, reply)


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
