"""Snapshots and profiles over CDP, streamed to disk: `NAME.part` (mode 0600) renamed when
complete, removed when the capture fails."""

from __future__ import annotations

import contextlib
import errno
import json
import os
from collections.abc import Callable
from typing import Any

from leaktui.capture.inspector import CdpSession
from leaktui.errors import LeakTuiError

Progress = Callable[[int, int], None]  # (done, total) from V8's progress reports


class PartFile:
    """A file written as NAME.part and renamed to NAME only when complete."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.part = path + ".part"
        self.fd = -1
        self.written = 0

    def __enter__(self) -> PartFile:
        try:
            self.fd = os.open(self.part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError as exc:
            raise LeakTuiError(f"cannot create {self.part}: {exc.strerror}") from None
        return self

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        try:
            view = memoryview(data)
            while view:
                n = os.write(self.fd, view)
                view = view[n:]
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise LeakTuiError(f"disk full while writing {self.part}") from None
            raise LeakTuiError(f"cannot write {self.part}: {exc.strerror}") from None
        self.written += len(data)

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.fd >= 0:
            os.close(self.fd)
        if exc_type is None:
            os.replace(self.part, self.path)
        else:
            with contextlib.suppress(OSError):
                os.unlink(self.part)


async def heap_usage(session: CdpSession) -> tuple[int, int]:
    """(used, total) bytes of the JS heap."""
    result = await session.call("Runtime.getHeapUsage", timeout=10)
    return int(result.get("usedSize", 0)), int(result.get("totalSize", 0))


async def take_snapshot(session: CdpSession, path: str, progress: Progress | None = None,
                        track_allocations: bool = False) -> str:
    """GC, then stream a heap snapshot to ``path``."""
    with PartFile(path) as out:
        problems: list[LeakTuiError] = []

        def on_event(method: str, params: dict[str, Any]) -> None:
            if method == "HeapProfiler.addHeapSnapshotChunk":
                try:
                    out.write(params["chunk"])
                except LeakTuiError as exc:
                    problems.append(exc)
            elif method == "HeapProfiler.reportHeapSnapshotProgress" and progress is not None:
                progress(int(params.get("done", 0)), int(params.get("total", 0)))

        session.on_event = on_event
        await session.call("HeapProfiler.enable", timeout=30)
        await session.call("HeapProfiler.collectGarbage", timeout=120)
        if track_allocations:
            await session.call("HeapProfiler.startTrackingHeapObjects",
                               {"trackAllocations": True}, timeout=30)
            await session.call("HeapProfiler.stopTrackingHeapObjects",
                               {"reportProgress": True}, timeout=None)
        else:
            await session.call("HeapProfiler.takeHeapSnapshot",
                               {"reportProgress": True, "captureNumericValue": False},
                               timeout=None)
        session.on_event = None
        if problems:
            raise problems[0]
        if out.written == 0:
            raise LeakTuiError("the process sent an empty snapshot")
    return path


async def sample_profile(session: CdpSession, path: str, seconds: float,
                         interval_bytes: int = 32768) -> str:
    """A sampling heap profile over ``seconds`` (what `node --heap-prof` writes)."""
    import asyncio

    await session.call("HeapProfiler.enable", timeout=30)
    await session.call("HeapProfiler.startSampling", {"samplingInterval": interval_bytes},
                       timeout=30)
    await asyncio.sleep(seconds)
    result = await session.call("HeapProfiler.stopSampling", timeout=120)
    with PartFile(path) as out:
        out.write(json.dumps(result.get("profile", {})))
    return path
