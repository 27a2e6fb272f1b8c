"""Snapshots and profiles over CDP, streamed to disk: chunks go straight into `NAME.part`
(created 0600, never through an existing file or link) which is renamed to NAME when complete
and removed when the capture fails, so memory stays bounded and no half file is left."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from leaktui.capture.inspector import CdpSession
from leaktui.errors import LeakTuiError


@dataclass(frozen=True)
class Progress:
    """Where a capture is. phase: "gc" (forced collection), "snapshot" (V8 walks the heap;
    done/total objects), "writing" (streaming; `written` bytes so far), "sampling" (done/total
    milliseconds), "interrupted" (Ctrl-C while V8 writes the snapshot: it is let finish and
    thrown away), "done"."""

    phase: str
    done: int = 0
    total: int = 0
    written: int = 0


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class Captured:
    path: str
    size: int
    seconds: float


def write_error(exc: OSError, name: str) -> LeakTuiError:
    """A user-facing error for a failed write to `name`."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return LeakTuiError(f"disk full while writing {name}")
    if exc.errno == errno.EFBIG:
        return LeakTuiError(f"file size limit reached while writing {name}")
    return LeakTuiError(f"cannot write {name}: {exc.strerror or exc}")


def write_all(fd: int, data: bytes, name: str) -> None:
    """Write every byte of `data` to `fd`; OSError becomes a LeakTuiError naming `name`."""
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view):]
    except OSError as exc:
        raise write_error(exc, name) from None


class PartFile:
    """A file written as NAME.part and renamed to NAME only when complete.

    The part file is created exclusively with mode 0600 (a link planted at its name is refused,
    not followed); on any exception, including cancellation, it is removed."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.part = path + ".part"
        self.fd = -1
        self.written = 0

    def __enter__(self) -> PartFile:
        if os.path.lexists(self.path):
            raise LeakTuiError(f"{self.path} already exists; not overwriting it")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            self.fd = os.open(self.part, flags, 0o600)
        except FileExistsError:
            raise LeakTuiError(f"{self.part} already exists (another capture writing, or a "
                               "leftover): remove it first") from None
        except OSError as exc:
            raise LeakTuiError(f"cannot create {self.part}: {exc.strerror or exc}") from None
        return self

    def write(self, data: bytes | str) -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        write_all(self.fd, raw, self.part)
        self.written += len(raw)

    def _close(self) -> None:
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            try:
                self._close()
                os.replace(self.part, self.path)
            except OSError as err:
                with contextlib.suppress(OSError):
                    os.unlink(self.part)
                raise write_error(err, self.part) from None
            return
        with contextlib.suppress(OSError):
            self._close()
        with contextlib.suppress(OSError):
            os.unlink(self.part)


class _ChunkSink:
    """Receives HeapProfiler events for one snapshot: chunks to the part file, progress out.
    After a failed write it keeps draining the stream (V8 sends it all anyway) and remembers
    the first error."""

    def __init__(self, out: PartFile, progress: ProgressCallback | None) -> None:
        self.out = out
        self.progress = progress
        self.error: LeakTuiError | None = None
        self.discarding = False

    def chunk(self, params: dict[str, Any]) -> None:
        if self.error is not None or self.discarding:
            return
        try:
            self.out.write(params.get("chunk", ""))
        except LeakTuiError as exc:
            self.error = exc
            return
        if self.progress is not None:
            self.progress(Progress("writing", written=self.out.written))

    def walk(self, params: dict[str, Any]) -> None:
        if self.progress is not None:
            self.progress(Progress("snapshot", int(params.get("done", 0)),
                                   int(params.get("total", 0))))


async def start_tracking(session: CdpSession) -> None:
    """Allocation tracking on: objects allocated from now on carry their allocation stack."""
    await session.call("HeapProfiler.enable", timeout=30)
    await session.call("HeapProfiler.startTrackingHeapObjects", {"trackAllocations": True},
                       timeout=30)


async def take_snapshot(session: CdpSession, path: str,
                        progress: ProgressCallback | None = None,
                        stop_tracking: bool = False) -> Captured:
    """Force a GC, then stream a heap snapshot into `path`. With `stop_tracking`, the snapshot
    is the one `stopTrackingHeapObjects` takes (allocation tracking must be on); a snapshot
    taken while tracking is on also carries the allocation stacks."""
    started = time.monotonic()
    with PartFile(path) as out:
        sink = _ChunkSink(out, progress)
        session.on("HeapProfiler.addHeapSnapshotChunk", sink.chunk)
        session.on("HeapProfiler.reportHeapSnapshotProgress", sink.walk)
        try:
            await session.call("HeapProfiler.enable", timeout=30)
            if progress is not None:
                progress(Progress("gc"))
            await session.call("HeapProfiler.collectGarbage", timeout=300)
            method = ("HeapProfiler.stopTrackingHeapObjects" if stop_tracking else
                      "HeapProfiler.takeHeapSnapshot")
            await _let_finish(session.call(method, {"reportProgress": True}, timeout=None),
                              sink)
        finally:
            session.off("HeapProfiler.addHeapSnapshotChunk")
            session.off("HeapProfiler.reportHeapSnapshotProgress")
        if sink.error is not None:
            raise sink.error
        if out.written == 0:
            raise LeakTuiError("the process sent an empty snapshot")
        size = out.written
    if progress is not None:
        progress(Progress("done", written=size))
    return Captured(path, size, time.monotonic() - started)


async def _let_finish(call: Awaitable[dict[str, Any]], sink: _ChunkSink) -> None:
    """Await the snapshot call; cancelled (Ctrl-C) while V8 writes the snapshot, let it finish.

    V8 cannot stop a snapshot half way, and Node can crash when the inspector connection
    closes while the snapshot streams (Node 20 did, SIGSEGV, in our tests): a process under
    investigation must not die of it. So the chunks still coming are thrown away, the call is
    awaited to its end and only then is the cancellation passed on. A second cancellation while
    waiting (the command's second Ctrl-C) leaves at once."""
    walk = asyncio.ensure_future(call)
    try:
        await asyncio.shield(walk)
    except asyncio.CancelledError:
        if walk.done():
            raise
        sink.discarding = True
        if sink.progress is not None:
            sink.progress(Progress("interrupted", written=sink.out.written))
        with contextlib.suppress(LeakTuiError):
            await walk
        raise


async def sample_profile(session: CdpSession, path: str, seconds: float,
                         progress: ProgressCallback | None = None,
                         interval_bytes: int = 32768) -> Captured:
    """A sampling heap profile over `seconds` (what `node --heap-prof` records), written as
    `path` (.heapprofile JSON: {"head": ..., "samples": [...]})."""
    started = time.monotonic()
    await session.call("HeapProfiler.enable", timeout=30)
    await session.call("HeapProfiler.startSampling", {"samplingInterval": interval_bytes},
                       timeout=30)
    total_ms = int(seconds * 1000)
    while (elapsed := time.monotonic() - started) < seconds:
        if progress is not None:
            progress(Progress("sampling", int(elapsed * 1000), total_ms))
        if not session.alive:
            break  # the next call reports why
        await asyncio.sleep(min(0.25, seconds - elapsed))
    result = await session.call("HeapProfiler.stopSampling", timeout=300)
    profile = result.get("profile")
    if not isinstance(profile, dict) or "head" not in profile:
        raise LeakTuiError("the process returned no sampling profile")
    with PartFile(path) as out:
        out.write(json.dumps(profile, separators=(",", ":")))
        size = out.written
    if progress is not None:
        progress(Progress("done", written=size))
    return Captured(path, size, time.monotonic() - started)
