"""Helpers for the capture tests: real Node processes to capture from, and leaktui run as a
user would run it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from conftest import PROGRAMS, node_binary

TARGET = PROGRAMS / "capture_target.js"
GROWER = PROGRAMS / "capture_grow.js"
LISTENING = re.compile(r"Debugger listening on ws://127\.0\.0\.1:(\d+)/")


def leaktui(*args: str, env: dict[str, str] | None = None, timeout: float = 60,
            prefix: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
    """`leaktui ARGS` in a fresh interpreter, stdin not a terminal."""
    return subprocess.run([*prefix, sys.executable, "-m", "leaktui.cli", *args],
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, env=env)


class NodeProcess:
    """A running Node program that printed `ready PID`; `port` when started with --inspect."""

    def __init__(self, proc: subprocess.Popen[str], port: int | None) -> None:
        self.proc = proc
        self.port = port

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, line: str) -> str:
        """Write a line to its stdin, return the line it answers on stdout."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline()


@contextmanager
def node(*flags: str, program: Path = TARGET, cwd: Path | None = None,
         user: int | None = None, env: dict[str, str] | None = None) -> Iterator[NodeProcess]:
    """Start `node FLAGS PROGRAM`, wait until it is ready (and its inspector port, when it
    was started with --inspect), kill it at the end."""
    proc = subprocess.Popen([node_binary(), *flags, str(program)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
                            user=user, env=env)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        port = None
        if any(f.startswith("--inspect=") for f in flags):
            match = LISTENING.search(proc.stderr.readline())
            assert match, "node did not print its inspector address"
            port = int(match.group(1))
        assert proc.stdout.readline().startswith("ready")
        yield NodeProcess(proc, port)
    finally:
        proc.kill()
        proc.wait()


def listening_ports(pid: int) -> set[int]:
    """The TCP ports `pid` listens on, read from /proc by the test itself."""
    inodes = set()
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def wait_for(predicate, timeout: float = 30.0, step: float = 0.005) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(step)
