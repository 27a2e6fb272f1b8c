"""Capture from real Node processes: with --inspect, through SIGUSR1, through
--heapsnapshot-signal, sampling profiles, allocation tracking; and the errors a user meets."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import node_binary

from leaktui.capture.inspector import parse_endpoint
from leaktui.capture.snapshot import PartFile
from leaktui.errors import LeakTuiError
from leaktui.snapshot import load_snapshot

TARGET = Path(__file__).parent / "programs" / "capture_target.js"


def leaktui(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "leaktui.cli", *args], capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def start(*flags: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    proc = subprocess.Popen([node_binary(), *flags, str(TARGET)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=cwd)
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("ready")
    return proc


@pytest.fixture
def inspected() -> Iterator[tuple[subprocess.Popen[str], int]]:
    proc = start("--inspect=127.0.0.1:0")
    assert proc.stderr is not None
    port = 0
    for _ in range(20):
        line = proc.stderr.readline()
        m = re.search(r"ws://127\.0\.0\.1:(\d+)/", line)
        if m:
            port = int(m.group(1))
            break
    assert port
    yield proc, port
    proc.kill()
    proc.wait()


def test_series_over_inspect_is_written_0600_and_loads(inspected, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, port = inspected
    res = leaktui("capture", "--inspect", str(port), "--count", "2", "--interval", "0.3",
                  "-o", str(tmp_path), "--yes", "--no-open")
    assert res.returncode == 0, res.stderr
    paths = res.stdout.split()
    assert len(paths) == 2
    assert "secrets" not in res.stdout and "passwords" in res.stderr
    for p in paths:
        assert os.stat(p).st_mode & 0o777 == 0o600
    assert not list(tmp_path.glob("*.part"))
    first, second = (load_snapshot(p) for p in paths)
    grew = [r for r in second.summary() if r.name == "Map"]
    assert grew and second.node_count > first.node_count


def test_sigusr1_route_captures_a_process_started_without_inspect(tmp_path: Path) -> None:
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", 9229)) == 0:
            pytest.skip("port 9229 is taken on this machine")
    proc = start()
    try:
        res = leaktui("capture", "--pid", str(proc.pid), "-o", str(tmp_path), "--yes",
                      "--no-open")
        assert res.returncode == 0, res.stderr
        assert load_snapshot(res.stdout.split()[0]).node_count > 1000
    finally:
        proc.kill()
        proc.wait()


def test_heapsnapshot_signal_route_picks_up_the_file(tmp_path: Path) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    proc = start("--heapsnapshot-signal=SIGUSR2", cwd=work)
    try:
        res = leaktui("capture", "--pid", str(proc.pid), "--signal", "SIGUSR2", "-o",
                      str(tmp_path / "out"), "--yes", "--no-open")
        assert res.returncode == 0, res.stderr
        path = res.stdout.split()[0]
        assert load_snapshot(path).node_count > 1000
        assert not list(work.glob("Heap.*"))  # moved, not copied
    finally:
        proc.kill()
        proc.wait()


def test_sampling_profile_and_tracked_snapshot(inspected, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, port = inspected
    res = leaktui("capture", "--inspect", f"127.0.0.1:{port}", "--sample", "0.5", "-o",
                  str(tmp_path), "--yes", "--no-open")
    assert res.returncode == 0, res.stderr
    profile = json.loads(Path(res.stdout.split()[0]).read_text())
    assert "head" in profile and "samples" in profile
    res = leaktui("capture", "--inspect", str(port), "--track-allocations", "-o",
                  str(tmp_path), "--yes", "--no-open")
    assert res.returncode == 0, res.stderr
    raw = Path(res.stdout.split()[0]).read_bytes()[:2000]
    assert b'"trace_function_count":0' not in raw.replace(b" ", b"")


def test_no_such_process_is_a_clear_error() -> None:
    res = leaktui("capture", "--pid", "999999", "--yes", "--no-open")
    assert res.returncode == 2 and "no process with pid 999999" in res.stderr
    assert "Traceback" not in res.stderr


def test_a_process_that_is_not_node_is_refused() -> None:
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        res = leaktui("capture", "--pid", str(sleeper.pid), "--yes", "--no-open")
        assert res.returncode == 2 and "not a Node process" in res.stderr
    finally:
        sleeper.kill()
        sleeper.wait()


def test_closed_port_is_a_clear_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connections are refused
        res = leaktui("capture", "--inspect", str(port), "--yes", "--no-open")
    assert res.returncode == 2 and "nothing listens" in res.stderr


def test_non_loopback_target_is_refused_before_any_connection(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    for target in ("10.255.255.1:9229", "example.com:9229", "[2001:db8::1]:9229"):
        with pytest.raises(LeakTuiError, match="not a loopback address"):
            parse_endpoint(target)
    assert parse_endpoint("[::1]:9229").host == "::1"
    res = leaktui("capture", "--inspect", "10.255.255.1:9229", "--yes", "--no-open")
    assert res.returncode == 2 and "not a loopback address" in res.stderr


def test_without_a_terminal_capture_asks_for_yes(inspected) -> None:  # type: ignore[no-untyped-def]
    _, port = inspected
    res = leaktui("capture", "--inspect", str(port), "--no-open")
    assert res.returncode == 2 and "--yes" in res.stderr


def test_process_dying_mid_snapshot_removes_the_partial_file(tmp_path: Path) -> None:
    big = tmp_path / "big.js"
    big.write_text("global.keep = Array.from({length: 1500000}, (_, i) => ({i, s: 'x' + i}));"
                   "console.log('ready', process.pid); setInterval(() => {}, 1000);")
    proc = subprocess.Popen([node_binary(), "--inspect=127.0.0.1:0", str(big)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith("ready")
    port = int(re.search(r":(\d+)/", proc.stderr.readline()).group(1))  # type: ignore[union-attr]
    capture = subprocess.Popen([sys.executable, "-m", "leaktui.cli", "capture", "--inspect",
                                str(port), "-o", str(tmp_path), "--yes", "--no-open"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("*.part")) and time.monotonic() < deadline:
        time.sleep(0.05)
    while list(tmp_path.glob("*.part")) and list(tmp_path.glob("*.part"))[0].stat().st_size == 0:
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    out, err = capture.communicate(timeout=60)
    assert capture.returncode == 2, err
    assert "went away" in err
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob("*.heapsnapshot"))


def test_disk_full_is_reported_and_the_partial_file_removed(tmp_path: Path) -> None:
    target = tmp_path / "snap.heapsnapshot"
    os.symlink("/dev/full", str(target) + ".part")  # the kernel answers ENOSPC for real
    with pytest.raises(LeakTuiError, match="disk full"), PartFile(str(target)) as out:
        out.write("{" * 100_000)
    assert not os.path.lexists(str(target) + ".part") and not target.exists()
