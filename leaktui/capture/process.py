"""Reaching a process started without --inspect: SIGUSR1 opens Node's inspector on
127.0.0.1:9229; `--heapsnapshot-signal=SIG` makes Node write a snapshot into its working
directory."""

from __future__ import annotations

import glob
import os
import signal
import time

from leaktui.capture.inspector import DEFAULT_PORT, Endpoint, find_target
from leaktui.errors import LeakTuiError


def check_node_process(pid: int) -> None:
    if pid <= 0 or not os.path.exists(f"/proc/{pid}"):
        raise LeakTuiError(f"no process with pid {pid}")
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv0 = f.read().split(b"\0")[0].decode("utf-8", "replace")
        exe = os.path.basename(os.readlink(f"/proc/{pid}/exe"))
    except PermissionError:
        raise LeakTuiError(f"permission denied inspecting process {pid} (run as its user)")\
            from None
    except FileNotFoundError:
        raise LeakTuiError(f"no process with pid {pid}") from None
    if "node" not in os.path.basename(argv0) and "node" not in exe:
        raise LeakTuiError(f"process {pid} ({os.path.basename(argv0) or exe}) is not a Node "
                           "process")


def send(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        raise LeakTuiError(f"no process with pid {pid}") from None
    except PermissionError:
        raise LeakTuiError(f"permission denied signalling process {pid} (run as its user)")\
            from None


def open_inspector(pid: int, wait: float = 5.0) -> Endpoint:
    """SIGUSR1, then wait for the inspector on 127.0.0.1:9229."""
    check_node_process(pid)
    endpoint = Endpoint("127.0.0.1", DEFAULT_PORT)
    send(pid, signal.SIGUSR1)
    deadline = time.monotonic() + wait
    last: LeakTuiError | None = None
    while time.monotonic() < deadline:
        try:
            find_target(endpoint, timeout=1.0)
            return endpoint
        except LeakTuiError as exc:
            last = exc
            time.sleep(0.2)
    raise LeakTuiError(f"process {pid} did not open its inspector on 127.0.0.1:9229 "
                       f"({last}); port 9229 may be taken by another process")


def signal_snapshot(pid: int, sig: str, wait: float = 120.0) -> str:
    """Ask a process started with --heapsnapshot-signal=SIG for a snapshot; return its path."""
    check_node_process(pid)
    name = sig.upper() if sig.upper().startswith("SIG") else "SIG" + sig.upper()
    number = getattr(signal, name, None)
    if not isinstance(number, int):
        raise LeakTuiError(f"unknown signal {sig!r}")
    try:
        cwd = os.readlink(f"/proc/{pid}/cwd")
    except PermissionError:
        raise LeakTuiError(f"permission denied reading the working directory of {pid}")\
            from None
    before = set(glob.glob(os.path.join(cwd, "Heap.*.heapsnapshot")))
    send(pid, number)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if not os.path.exists(f"/proc/{pid}"):
            raise LeakTuiError(f"process {pid} exited before writing its snapshot")
        new = sorted(set(glob.glob(os.path.join(cwd, "Heap.*.heapsnapshot"))) - before)
        if new and _complete(new[-1]):
            return new[-1]
        time.sleep(0.2)
    raise LeakTuiError(f"process {pid} wrote no snapshot within {wait:.0f} s (was it started "
                       f"with --heapsnapshot-signal={name}?)")


def _complete(path: str) -> bool:
    """Written to the end: the size is stable and the JSON closes."""
    try:
        size = os.path.getsize(path)
        time.sleep(0.3)
        if os.path.getsize(path) != size or size == 0:
            return False
        with open(path, "rb") as f:
            f.seek(max(0, size - 16))
            return f.read().rstrip().endswith(b"}")
    except OSError:
        return False
