"""Sample a process's resident memory from /proc (Linux), for `leaktui watch --pid PID`."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncGenerator

from leaktui.errors import LeakTuiError
from leaktui.metrics.samples import Sample

NOT_LINUX = ("watch --pid reads /proc and works on Linux only; elsewhere have the service "
             "write a metrics file with the preload: node -r \"$(leaktui preload-path)\" app.js")


def require_linux(platform: str | None = None) -> None:
    if not (platform or sys.platform).startswith("linux"):
        raise LeakTuiError(NOT_LINUX)


def _rss_from_status(pid: int) -> int | None:
    with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                parts = line.split()
                return int(parts[1]) * 1024  # always reported in kB
    return None


def _rss_from_statm(pid: int) -> int | None:
    with open(f"/proc/{pid}/statm", encoding="ascii") as f:
        fields = f.read().split()
    if len(fields) < 2:
        return None
    return int(fields[1]) * os.sysconf("SC_PAGE_SIZE")


def read_rss(pid: int) -> int:
    """Resident set size in bytes: VmRSS from /proc/PID/status, else resident pages from
    /proc/PID/statm."""
    require_linux()
    if pid <= 0:
        raise LeakTuiError(f"not a process id: {pid}")
    try:
        rss = _rss_from_status(pid)
        if rss is None:
            rss = _rss_from_statm(pid)
    except FileNotFoundError:
        raise LeakTuiError(f"no process with pid {pid} (it may have exited)") from None
    except PermissionError:
        raise LeakTuiError(f"permission denied reading /proc/{pid} (run as the process's "
                           "user)") from None
    except (OSError, ValueError) as exc:
        raise LeakTuiError(f"cannot read the memory of process {pid}: {exc}") from None
    if not rss:
        raise LeakTuiError(f"process {pid} has no resident memory (a zombie or kernel thread)")
    return rss


def sample(pid: int) -> Sample:
    """One sample: now, and the process's rss."""
    return Sample(time.time(), {"rss": float(read_rss(pid))})


def check_pid(pid: int) -> None:
    """Raise LeakTuiError with the reason when ``pid`` cannot be sampled."""
    read_rss(pid)


async def watch_pid(pid: int, interval: float = 1.0) -> AsyncGenerator[Sample, None]:
    """A sample now and every ``interval`` seconds; raises LeakTuiError once the process is
    gone (the samples so far stay with the caller)."""
    while True:
        yield sample(pid)
        await asyncio.sleep(interval)
