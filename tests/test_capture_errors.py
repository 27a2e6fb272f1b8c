"""What a user meets when a capture cannot be done: one clear line, exit status 2, no partial
file; produced for real on this machine (processes, ports, a full file system)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from capture_support import GROWER, leaktui, listening_ports, node, wait_for

from leaktui import cli
from leaktui.snapshot import load_snapshot


def assert_clear_error(res: subprocess.CompletedProcess[str], text: str) -> None:
    assert res.returncode == 2, res.stderr
    assert text in res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""


def test_no_such_process() -> None:
    assert_clear_error(leaktui("capture", "--pid", "999999999", "--yes", "--no-open"),
                       "no process with pid 999999999")


def test_a_process_that_is_not_node_is_refused_and_not_signalled() -> None:
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        res = leaktui("capture", "--pid", str(sleeper.pid), "--yes", "--no-open")
        assert_clear_error(res, "is not a Node process")
        time.sleep(0.1)
        assert sleeper.poll() is None  # SIGUSR1 would have killed it
    finally:
        sleeper.kill()
        sleeper.wait()


def test_permission_denied_on_another_users_process(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root without capabilities is an ordinary user: the process runs as nobody
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv (util-linux) is needed to drop root's capabilities"
        with node(user=65534) as target:
            res = leaktui("capture", "--pid", str(target.pid), "--yes", "--no-open", "-o",
                          str(tmp_path), prefix=[setpriv, "--bounding-set=-all", "--"])
    else:
        others = [p for p in os.listdir("/proc") if p.isdigit()
                  and os.stat(f"/proc/{p}").st_uid != os.geteuid()]
        if not others:
            pytest.skip("no process of another user to be refused")
        res = leaktui("capture", "--pid", others[0], "--yes", "--no-open", "-o", str(tmp_path))
    assert_clear_error(res, "permission denied")


def test_signal_route_refuses_a_process_that_would_die_of_the_signal(tmp_path: Path) -> None:
    with node() as target:  # no --heapsnapshot-signal: SIGUSR2 would terminate it
        res = leaktui("capture", "--pid", str(target.pid), "--signal", "SIGUSR2", "--yes",
                      "--no-open", "-o", str(tmp_path))
        assert_clear_error(res, "does not handle SIGUSR2, so sending it would kill")
        time.sleep(0.1)
        assert target.proc.poll() is None


def test_closed_port() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        res = leaktui("capture", "--inspect", str(s.getsockname()[1]), "--yes", "--no-open")
    assert_clear_error(res, "nothing listens on 127.0.0.1:")


def test_a_port_that_is_not_an_inspector() -> None:
    server = subprocess.Popen([sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1",
                               "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, cwd=Path(__file__).parent / "programs")
    try:
        assert server.stdout is not None
        line = server.stdout.readline()  # "Serving HTTP on 127.0.0.1 port N ..."
        http_port = line.split(" port ")[1].split()[0]
        res = leaktui("capture", "--inspect", http_port, "--yes", "--no-open")
        assert_clear_error(res, "not a Node inspector")
    finally:
        server.kill()
        server.wait()


@pytest.mark.parametrize("where", ["argv", "NODE_OPTIONS"])
def test_port_busy_for_the_sigusr1_route_is_said_before_signalling(where: str,
                                                                   tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        flag = f"--inspect-port={port}"
        env = dict(os.environ, NODE_OPTIONS=flag)
        with (node(flag) if where == "argv" else node(env=env)) as target:
            res = leaktui("capture", "--pid", str(target.pid), "--yes", "--no-open", "-o",
                          str(tmp_path))
            assert_clear_error(res, f"port {port} is busy (process {os.getpid()} listens on it)")
            target.proc.kill()
            _, err = target.proc.communicate()
    assert "Starting inspector" not in err  # it was not even asked


def test_inspector_already_attached(tmp_path: Path) -> None:
    from websockets.sync.client import connect

    with node("--inspect=127.0.0.1:0") as target:
        import json
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{target.port}/json/list") as resp:
            url = json.loads(resp.read())[0]["webSocketDebuggerUrl"]
        with connect(url, proxy=None):
            res = leaktui("capture", "--inspect", str(target.port), "--yes", "--no-open", "-o",
                          str(tmp_path))
            assert_clear_error(res, "already has a client attached")
        time.sleep(0.2)
        res = leaktui("capture", "--inspect", str(target.port), "--yes", "--no-open", "-o",
                      str(tmp_path))
        assert res.returncode == 0, res.stderr  # free again once the other client left


def test_a_scraper_knocking_on_the_inspector_port_is_not_an_attached_client(
        tmp_path: Path) -> None:
    """A monitoring probe that found the port sends HTTP and is answered and dropped: at any
    moment one of its connections is open, but none stays, so the capture goes ahead."""
    import threading

    from leaktui.capture import procnet

    stop = threading.Event()
    with node("--inspect=127.0.0.1:0") as target:
        port = target.port
        assert port is not None

        def knock() -> None:
            while not stop.is_set():
                with socket.create_connection(("127.0.0.1", port)) as s:
                    time.sleep(0.15)  # a slow client: connected a while before it asks
                    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    while s.recv(4096):
                        pass  # answered, then closed by the inspector

        knockers = [threading.Thread(target=knock, daemon=True) for _ in range(2)]
        for t in knockers:
            t.start()
            time.sleep(0.07)  # staggered: some connection is open at every moment
        try:
            wait_for(lambda: procnet.clients_of(port) != [], 10)  # probes are seen
            res = leaktui("capture", "--inspect", str(port), "--yes", "--no-open", "-o",
                          str(tmp_path))
        finally:
            stop.set()
            for t in knockers:
                t.join(10)
    assert res.returncode == 0, res.stderr
    assert load_snapshot(res.stdout.split()[0]).node_count > 1000


def _no_network(*args: object, **kwargs: object) -> None:
    raise AssertionError("a connection or a name lookup was attempted")


@pytest.mark.parametrize("target", ["10.255.255.1:9229", "example.com:9229",
                                    "[2001:db8::1]:9229", "ws://192.0.2.7:9229/abc",
                                    "0.0.0.0:9229"])
def test_non_loopback_target_is_refused_before_any_connection(
        target: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    monkeypatch.setattr(socket, "create_connection", _no_network)
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket, "getaddrinfo", _no_network)
    assert cli.main(["capture", "--inspect", target, "--yes", "--no-open", "-o",
                     str(tmp_path)]) == 2
    assert "not a loopback address" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_sigusr1_route_refuses_to_open_an_inspector_on_all_interfaces(tmp_path: Path) -> None:
    with node("--inspect-port=0.0.0.0:0") as target:
        res = leaktui("capture", "--pid", str(target.pid), "--yes", "--no-open", "-o",
                      str(tmp_path))
        assert_clear_error(res, "not a loopback address")
        time.sleep(0.2)
        assert listening_ports(target.pid) == set()  # no SIGUSR1 was sent


def test_without_a_terminal_capture_requires_yes_before_touching_the_process(
        tmp_path: Path) -> None:
    with node("--inspect-port=0") as target:
        res = leaktui("capture", "--pid", str(target.pid), "--no-open", "-o", str(tmp_path))
        assert_clear_error(res, "pass --yes")
        assert listening_ports(target.pid) == set()


# `leaktui capture` with one change: once the first chunk of the snapshot whose part file ends
# with argv[2] is written, it touches the file named by argv[1] and waits for a line on stdin.
# The test acts in between (kills the process being captured, or interrupts the capture), so
# what it checks happens mid-snapshot whatever the machine's load.
_PAUSE_IN_SNAPSHOT = """
import sys
from leaktui.capture import snapshot
from leaktui.cli import main

write = snapshot.PartFile.write
paused = []

def write_then_pause(self, data):
    write(self, data)
    if not paused and self.part.endswith(sys.argv[2]):
        paused.append(True)
        open(sys.argv[1], "w").close()
        sys.stdin.readline()

snapshot.PartFile.write = write_then_pause
sys.exit(main(sys.argv[3:]))
"""


def test_process_dying_mid_series_removes_the_partial_file_and_keeps_earlier_ones(
        tmp_path: Path) -> None:
    out, paused = tmp_path / "out", tmp_path / "paused"
    with node("--inspect=127.0.0.1:0", program=GROWER) as target:
        # Far more than the socket buffers hold: what was sent before the kill cannot
        # complete the second snapshot.
        assert target.send("grow 400000").startswith("grown")
        capture = subprocess.Popen([sys.executable, "-c", _PAUSE_IN_SNAPSHOT, str(paused),
                                    "-02.heapsnapshot.part", "capture", "--inspect",
                                    str(target.port), "--count", "2", "--interval", "1",
                                    "-o", str(out), "--yes", "--no-open"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for(lambda: paused.exists() or capture.poll() is not None, timeout=120)
        assert paused.exists(), capture.communicate()[1]
        (part,) = out.glob("*-02.heapsnapshot.part")
        assert part.stat().st_size > 0
        target.proc.kill()
        target.proc.wait()
        stdout, stderr = capture.communicate("go\n", timeout=60)
    assert capture.returncode == 2, stderr
    assert "went away" in stderr and "1 complete snapshot(s) kept" in stderr
    assert not list(out.glob("*.part"))
    (kept,) = out.glob("*.heapsnapshot")
    assert kept.name.endswith("-01.heapsnapshot")
    assert stdout.split() == [str(kept)]
    assert load_snapshot(str(kept)).node_count > 1000


def default_sigint() -> None:
    """In the child: Ctrl-C's default action, as a shell gives it. A child inherits an ignored
    SIGINT, and pytest-xdist's workers ignore it (their controller handles Ctrl-C)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_mid_snapshot_lets_the_process_finish_it_and_removes_the_partial_file(
        tmp_path: Path) -> None:
    out, paused = tmp_path / "out", tmp_path / "paused"
    with node("--inspect=127.0.0.1:0", program=GROWER) as target:
        assert target.send("grow 200000").startswith("grown")
        capture = subprocess.Popen([sys.executable, "-c", _PAUSE_IN_SNAPSHOT, str(paused),
                                    "-01.heapsnapshot.part", "capture", "--inspect",
                                    str(target.port), "-o", str(out), "--yes", "--no-open"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True,
                                   preexec_fn=default_sigint)
        wait_for(lambda: paused.exists() or capture.poll() is not None, timeout=120)
        assert paused.exists(), capture.communicate()[1]
        (part,) = out.glob("*.part")
        assert part.stat().st_size > 0
        capture.send_signal(signal.SIGINT)
        stdout, stderr = capture.communicate("go\n", timeout=120)
        assert capture.returncode == 130 and "leaktui: interrupted" in stderr, stderr
        assert "thrown away before leaving" in stderr, stderr
        assert list(out.iterdir()) == [] and stdout == ""
        # The connection stayed until V8 had written the whole snapshot: the process goes on
        # (Node 20 could die of SIGSEGV when it closed mid-snapshot).
        assert target.proc.poll() is None
        assert target.send("grow 1").startswith("grown")


def stop_mid_write(pid: int, work: Path) -> None:
    """Stop process PID (SIGSTOP) once its snapshot file in WORK has its first bytes and not
    all of them, whatever the machine's load: the process is stopped as soon as the file
    appears, then let run in slices of a few milliseconds until bytes are in."""
    wait_for(lambda: any(work.glob("Heap.*")), timeout=120, step=0.001)
    os.kill(pid, signal.SIGSTOP)
    (snap,) = work.glob("Heap.*")
    deadline = time.monotonic() + 120
    while snap.stat().st_size == 0:
        assert time.monotonic() < deadline, "the snapshot file got no bytes in 120 s"
        os.kill(pid, signal.SIGCONT)
        time.sleep(0.002)
        os.kill(pid, signal.SIGSTOP)
    assert not snap.read_bytes().rstrip().endswith(b"]}"), "it was complete before it stopped"


def test_process_dying_while_writing_its_signal_snapshot(tmp_path: Path) -> None:
    work, out = tmp_path / "cwd", tmp_path / "out"
    work.mkdir()
    with node("--heapsnapshot-signal=SIGUSR2", program=GROWER, cwd=work) as target:
        assert target.send("grow 200000").startswith("grown")
        capture = subprocess.Popen([sys.executable, "-m", "leaktui.cli", "capture", "--pid",
                                    str(target.pid), "--signal", "SIGUSR2", "-o", str(out),
                                    "--yes", "--no-open"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        stop_mid_write(target.pid, work)
        target.proc.kill()
        stdout, stderr = capture.communicate(timeout=60)
    assert capture.returncode == 2, stderr
    assert "exited before its snapshot was complete (the incomplete file was removed" in stderr
    assert not list(work.iterdir()) and not list(out.iterdir()) and stdout == ""


def _unshare_can_mount(directory: Path) -> bool:
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    probe = subprocess.run([unshare, "--user", "--map-root-user", "--mount", "sh", "-c",
                            'mount -t tmpfs -o size=64k tmpfs "$0"', str(directory)],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


def _capture_into_small_tmpfs(tmp_path: Path, times_one_snapshot: float,
                              count: int) -> subprocess.CompletedProcess[str]:
    """Capture into a tmpfs (mounted in a user+mount namespace) sized as a multiple of one
    snapshot of the target; stderr ends with a listing of the tmpfs after the capture."""
    small = tmp_path / "small"
    small.mkdir()
    if not _unshare_can_mount(small):
        pytest.skip("unprivileged user namespaces are not available to mount a small tmpfs "
                    "(the ENOSPC mapping is still tested on /dev/full)")
    with node("--inspect=127.0.0.1:0") as target:
        probe = leaktui("capture", "--inspect", str(target.port), "-o", str(tmp_path / "probe"),
                        "--yes", "--no-open")
        assert probe.returncode == 0, probe.stderr
        one = os.path.getsize(probe.stdout.split()[0])
        script = ('mount -t tmpfs -o size=$1 tmpfs "$0" || exit 99; shift; "$@"; code=$?; '
                  'echo LISTING >&2; ls -l "$0" >&2; exit $code')
        return subprocess.run(
            ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, str(small),
             str(int(one * times_one_snapshot)), sys.executable, "-m", "leaktui.cli", "capture",
             "--inspect", str(target.port), "--count", str(count), "--interval", "0", "-o",
             str(small), "--yes", "--no-open"], capture_output=True, text=True, timeout=60)


def test_disk_full_mid_snapshot_on_a_small_tmpfs(tmp_path: Path) -> None:
    """A real ENOSPC while the chunks stream in: the partial file goes."""
    res = _capture_into_small_tmpfs(tmp_path, 0.5, 1)
    assert res.returncode == 2, res.stderr
    assert "disk full while writing" in res.stderr
    assert "nothing kept; no incomplete file left" in res.stderr
    assert res.stderr.split("LISTING")[1].split() == ["total", "0"]
    assert res.stdout == ""


def test_series_stops_before_a_snapshot_that_cannot_fit(tmp_path: Path) -> None:
    res = _capture_into_small_tmpfs(tmp_path, 1.5, 2)
    assert res.returncode == 2, res.stderr
    assert "less than the last snapshot" in res.stderr
    assert "stopping before pausing the process again" in res.stderr
    assert "1 complete snapshot(s) kept" in res.stderr
    listing = res.stderr.split("LISTING")[1]
    assert "-01.heapsnapshot" in listing and "-02.heapsnapshot" not in listing
    assert res.stdout.split() == [line.split()[-1] for line in res.stderr.splitlines()
                                  if line.startswith("snapshot 1/2:") and " -> " in line]


def test_a_process_exiting_between_two_proc_reads_is_not_a_traceback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`_open_by` lists /proc/PID/fd, then resolves the snapshot's path through
    /proc/PID/cwd: a process that exits between the two (seen once under load: a traceback
    where the clear "exited before its snapshot was complete" belongs) means "cannot tell",
    and the wait loop then finds the process gone."""
    from leaktui.capture import process

    pid = os.getpid()
    path = f"/proc/{pid}/cwd/Heap.20261202.000000.{pid}.0.001.heapsnapshot"
    real = os.path.realpath

    def vanished(p: str) -> str:
        if p == path:
            raise FileNotFoundError(2, "No such file or directory", f"/proc/{pid}/cwd")
        return real(p)

    monkeypatch.setattr(process.os.path, "realpath", vanished)
    assert process._open_by(pid, path) is None
