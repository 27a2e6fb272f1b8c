"""Sample a process's resident memory from /proc (Linux), for `leaktui watch --pid PID`."""

from __future__ import annotations

import os
import sys
import time

from leaktui.errors import LeakTuiError
from leaktui.metrics.samples import Sample


def read_rss(pid: int) -> int:
    """Resident set size in bytes (VmRSS)."""
    if not sys.platform.startswith("linux"):
        raise LeakTuiError("watch --pid reads /proc and works on Linux only; elsewhere write a "
                           "metrics file with the preload (leaktui preload-path)")
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except FileNotFoundError:
        raise LeakTuiError(f"no process with pid {pid}") from None
    except PermissionError:
        raise LeakTuiError(f"permission denied reading /proc/{pid}/status") from None
    raise LeakTuiError(f"process {pid} has no resident memory (a zombie or kernel thread?)")


def sample(pid: int) -> Sample:
    return Sample(time.time(), {"rss": float(read_rss(pid))})


def check_pid(pid: int) -> None:
    if pid <= 0 or not os.path.exists(f"/proc/{pid}"):
        read_rss(pid)  # raises the right message
