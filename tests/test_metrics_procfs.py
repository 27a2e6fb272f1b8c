"""`watch --pid`: the resident memory of a real process from /proc, clear errors otherwise."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import node_binary

from leaktui.errors import LeakTuiError
from leaktui.metrics import procfs

GROW_MB = 96
# Waits for a line on stdin, then fills a large buffer (touching every page) and stays.
HOLDER = f"""
process.stdin.once('data', () => {{
  globalThis.held = Buffer.alloc({GROW_MB} * 1024 * 1024, 1);
  console.log('grown');
}});
console.log('ready');
"""


def state_of(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_rss_of_a_real_process_follows_its_allocations() -> None:
    proc = subprocess.Popen([node_binary(), "-e", HOLDER], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == "ready"
        before = procfs.read_rss(proc.pid)
        statm_pages = int(Path(f"/proc/{proc.pid}/statm").read_text().split()[1])
        statm = statm_pages * os.sysconf("SC_PAGE_SIZE")
        assert before > 0 and abs(before - statm) < 16 * 1024 * 1024
        proc.stdin.write("go\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "grown"
        after = procfs.sample(proc.pid)
        assert after.values["rss"] - before >= 0.9 * GROW_MB * 1024 * 1024
        assert abs(after.ts - time.time()) < 60  # a wall-clock stamp, not a latency
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_an_exited_process_a_zombie_and_a_bad_pid_are_clear_errors() -> None:
    proc = subprocess.Popen([node_binary(), "-e", "setTimeout(() => {}, 10000)"])
    proc.kill()
    deadline = time.monotonic() + 10
    while state_of(proc.pid) != "Z" and time.monotonic() < deadline:
        time.sleep(0.02)
    with pytest.raises(LeakTuiError, match="zombie"):
        procfs.read_rss(proc.pid)
    proc.wait(timeout=10)
    with pytest.raises(LeakTuiError, match=f"no process with pid {proc.pid}"):
        procfs.check_pid(proc.pid)
    with pytest.raises(LeakTuiError, match="not a process id"):
        procfs.read_rss(0)


def test_other_systems_are_told_to_use_the_preload() -> None:
    with pytest.raises(LeakTuiError, match="Linux only.*preload"):
        procfs.require_linux("darwin")
    procfs.require_linux("linux")


async def test_watch_pid_samples_until_the_process_is_gone() -> None:
    proc = subprocess.Popen([node_binary(), "-e", "setTimeout(() => {}, 10000)"])
    samples = []
    try:
        gen = procfs.watch_pid(proc.pid, interval=0.05)
        for _ in range(3):
            samples.append(await asyncio.wait_for(gen.__anext__(), 2))
        proc.kill()
        proc.wait(timeout=10)
        with pytest.raises(LeakTuiError, match="no process"):
            for _ in range(100):
                await asyncio.wait_for(gen.__anext__(), 2)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert [s.ts for s in samples] == sorted(s.ts for s in samples)
    assert all(s.values["rss"] > 0 for s in samples)


def test_watch_pid_once_prints_the_rss_of_the_process() -> None:
    proc = subprocess.Popen([node_binary(), "-e", "setTimeout(() => {}, 10000)"])
    try:
        out = subprocess.run([sys.executable, "-m", "leaktui.cli", "watch", "--pid",
                              str(proc.pid), "--once"], capture_output=True, text=True,
                             timeout=60)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert out.returncode == 0, out.stderr
    assert re.match(r"\d\d:\d\d:\d\d  rss \S+ \d", out.stdout), out.stdout
    assert "insufficient-data" in out.stdout
