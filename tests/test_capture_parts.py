"""The capture's pieces on their own: addresses, Node's inspector options, /proc socket tables,
part files (0600, exclusive, removed on failure; a real ENOSPC from /dev/full), progress."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from leaktui.capture import procnet
from leaktui.capture.inspector import Endpoint, is_loopback, parse_endpoint
from leaktui.capture.process import (
    NodeProcess,
    inspector_address,
    node_options,
    signal_disposition,
)
from leaktui.capture.snapshot import PartFile, Progress, write_all
from leaktui.commands.capture import render_progress
from leaktui.errors import LeakTuiError


@pytest.mark.parametrize(("text", "expected"), [
    ("9229", Endpoint("127.0.0.1", 9229)),
    ("127.0.0.1:9300", Endpoint("127.0.0.1", 9300)),
    ("localhost:9229", Endpoint("localhost", 9229)),
    ("[::1]:9229", Endpoint("::1", 9229)),
    ("127.1.2.3", Endpoint("127.1.2.3", 9229)),
    ("ws://127.0.0.1:9229/0f2c", Endpoint("127.0.0.1", 9229, "ws://127.0.0.1:9229/0f2c")),
])
def test_inspector_addresses_parse(text: str, expected: Endpoint) -> None:
    assert parse_endpoint(text) == expected


@pytest.mark.parametrize("text", ["http", "127.0.0.1:x", "70000", "127.0.0.1:0"])
def test_bad_inspector_addresses_are_refused(text: str) -> None:
    with pytest.raises(LeakTuiError):
        parse_endpoint(text)


def test_loopback_is_decided_from_the_text_alone() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "127.9.9.9", "::1", "[::1]", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "10.0.0.1", "::", "example.com",
                                     "localhost.example.com"]))
    assert parse_endpoint("10.0.0.1:9229", allow_remote=True) == Endpoint("10.0.0.1", 9229)


def test_node_options_stop_at_the_script() -> None:
    argv = ["node", "--inspect-port=9300", "-r", "./tracing.js", "--max-old-space-size=512",
            "app.js", "--inspect-port=1"]
    assert node_options(argv) == ["--inspect-port=9300", "-r", "./tracing.js",
                                  "--max-old-space-size=512"]


@pytest.mark.parametrize(("argv", "expected"), [
    (["node", "app.js"], ("127.0.0.1", 9229, False)),
    (["node", "--inspect-port=9300", "app.js"], ("127.0.0.1", 9300, False)),
    (["node", "--inspect-port", "0.0.0.0:9301", "app.js"], ("0.0.0.0", 9301, False)),
    (["node", "--inspect=0", "app.js"], ("127.0.0.1", 0, True)),
    (["node", "--inspect=[::1]:9302", "app.js"], ("::1", 9302, True)),
    (["node", "--inspect-brk=localhost", "app.js"], ("localhost", 9229, True)),
    (["node", "app.js", "--inspect=9999"], ("127.0.0.1", 9229, False)),
    (["node", "-r", "x.js", "--debug-port", "9303", "app.js"], ("127.0.0.1", 9303, False)),
])
def test_where_sigusr1_will_open_the_inspector(argv: list[str],
                                               expected: tuple[str, int, bool]) -> None:
    # pid 0 has no /proc entry: no NODE_OPTIONS to read
    assert inspector_address(NodeProcess(0, tuple(argv), "/usr/bin/node")) == expected


def test_signal_dispositions_are_read_from_proc() -> None:
    code = ("import signal, sys, time\n"
            "signal.signal(signal.SIGUSR1, lambda *a: None)\n"
            "signal.signal(signal.SIGUSR2, signal.SIG_IGN)\n"
            # default whatever this run inherited (under nohup SIGHUP comes in ignored)
            "signal.signal(signal.SIGHUP, signal.SIG_DFL)\n"
            "print('ready', flush=True)\n"
            "time.sleep(30)\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        assert signal_disposition(child.pid, signal.SIGUSR1) == "caught"
        assert signal_disposition(child.pid, signal.SIGUSR2) == "ignored"
        assert signal_disposition(child.pid, signal.SIGHUP) == "default"
    finally:
        child.kill()
        child.wait()


def test_socket_tables_show_our_own_listener_and_its_client() -> None:
    with socket.socket() as server, socket.socket(socket.AF_INET6) as server6:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server6.bind(("::1", 0))
        server6.listen()
        port, port6 = server.getsockname()[1], server6.getsockname()[1]
        mine = {(s.local_host, s.local_port) for s in procnet.listening(os.getpid())}
        assert {("127.0.0.1", port), ("::1", port6)} <= mine
        assert procnet.clients_of(port) == []
        with socket.create_connection(("127.0.0.1", port)):
            accepted, _ = server.accept()
            with accepted:
                (client,) = procnet.clients_of(port)
                assert client.state == procnet.ESTABLISHED and client.remote_host == "127.0.0.1"
        listener = procnet.listener_on(port)
        assert listener is not None and procnet.owner_of(listener.inode) == os.getpid()


def test_part_file_is_private_and_renamed_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "a.heapsnapshot"
    with PartFile(str(target)) as out:
        out.write('{"snapshot":')
        assert (tmp_path / "a.heapsnapshot.part").stat().st_mode & 0o777 == 0o600
        assert not target.exists()
        out.write(b"{}}")
    assert target.read_text() == '{"snapshot":{}}' and out.written == 15
    assert target.stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "a.heapsnapshot.part").exists()


def test_part_file_is_removed_when_the_capture_fails(tmp_path: Path) -> None:
    target = tmp_path / "a.heapsnapshot"
    with pytest.raises(LeakTuiError, match="went away"), PartFile(str(target)) as out:
        out.write("{" * 10_000)
        raise LeakTuiError("the process went away")
    assert list(tmp_path.iterdir()) == []


def test_part_file_never_writes_through_a_planted_link_or_over_a_file(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep")
    os.symlink(victim, tmp_path / "a.heapsnapshot.part")
    with pytest.raises(LeakTuiError, match="already exists"), \
            PartFile(str(tmp_path / "a.heapsnapshot")):
        pass
    assert victim.read_text() == "keep"
    (tmp_path / "b.heapsnapshot").write_text("older")
    with pytest.raises(LeakTuiError, match="not overwriting"), \
            PartFile(str(tmp_path / "b.heapsnapshot")):
        pass
    assert (tmp_path / "b.heapsnapshot").read_text() == "older"


def test_a_full_device_is_reported_as_disk_full() -> None:
    fd = os.open("/dev/full", os.O_WRONLY)  # the kernel answers ENOSPC for real
    try:
        with pytest.raises(LeakTuiError, match="disk full while writing x.part"):
            write_all(fd, b"{" * 100_000, "x.part")
    finally:
        os.close(fd)


def test_progress_lines() -> None:
    assert render_progress("snapshot 1/2", Progress("snapshot", 50, 200), width=8) == \
        "snapshot 1/2 [##......]  25.0%"
    assert render_progress("s", Progress("writing", written=2_500_000), width=4) == \
        "s [####] writing 2.5 MB"
    assert render_progress("s", Progress("gc")) == "s: collecting garbage"
    assert render_progress("p", Progress("sampling", 3000, 2000), width=2) == "p [##] 100.0%"


def test_capture_imports_no_textual() -> None:
    code = ("import sys\n"
            "import leaktui.commands.capture, leaktui.capture.inspector, leaktui.capture.series\n"
            "import leaktui.capture.process, leaktui.capture.snapshot, leaktui.capture.procnet\n"
            "from leaktui.cli import build_parser\n"
            "build_parser('capture')\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def test_capture_numbers_a_series_so_that_a_glob_lists_it_in_order() -> None:
    from leaktui.capture.series import snapshot_name

    for count in (3, 11, 120):
        names = [snapshot_name("leaktui-inspect-x", i, count) for i in range(count)]
        assert sorted(names) == names, names[:12]
        assert names[0].endswith("-01.heapsnapshot" if count < 100 else "-001.heapsnapshot")
