"""`leaktui capture` on real Node processes: started with --inspect, without it (SIGUSR1), with
--heapsnapshot-signal; series that the core loads; sampling profiles and tracked snapshots."""

from __future__ import annotations

import json
import os
import pty
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from capture_support import GROWER, leaktui, listening_ports, node

from leaktui import cli
from leaktui.commands import capture as command
from leaktui.snapshot import load_snapshot


def test_series_over_inspect_is_private_complete_and_loads_with_the_core(tmp_path: Path) -> None:
    # a proxy in the environment must not be used: it points at a closed port
    env = dict(os.environ, http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9",
               all_proxy="http://127.0.0.1:9", no_proxy="")
    with node("--inspect=127.0.0.1:0") as target:
        res = leaktui("capture", "--inspect", str(target.port), "--count", "3", "--interval",
                      "0.3", "-o", str(tmp_path / "snaps"), "--yes", "--no-open", env=env)
    assert res.returncode == 0, res.stderr
    paths = res.stdout.split()
    assert len(paths) == 3 and all(p.endswith(".heapsnapshot") for p in paths)
    assert [p[-len("-01.heapsnapshot"):] for p in paths] == [
        "-01.heapsnapshot", "-02.heapsnapshot", "-03.heapsnapshot"]  # zero padded: globs sort
    assert "JS heap:" in res.stderr and "pauses the process" in res.stderr
    assert "passwords" in res.stderr and "passwords" not in res.stdout
    assert [line.split(":")[0] for line in res.stderr.splitlines() if " -> " in line] == \
        ["snapshot 1/3", "snapshot 2/3", "snapshot 3/3"]
    assert (tmp_path / "snaps").stat().st_mode & 0o777 == 0o700
    for p in paths:
        assert os.stat(p).st_mode & 0o777 == 0o600
    assert not list((tmp_path / "snaps").glob("*.part"))
    snaps = [load_snapshot(p) for p in paths]
    caches = [next(r.count for r in s.summary() if r.name == "Map") for s in snaps]
    assert snaps[2].node_count > snaps[0].node_count and caches[0] >= 1


def test_sigusr1_opens_the_inspector_on_the_port_node_chose_and_closes_it_after(
        tmp_path: Path) -> None:
    with node("--inspect-port=0") as target:
        assert listening_ports(target.pid) == set()
        res = leaktui("capture", "--pid", str(target.pid), "--count", "2", "--interval", "0.2",
                      "-o", str(tmp_path), "--yes", "--no-open")
        assert res.returncode == 0, res.stderr
        assert "Closed the inspector that SIGUSR1 opened" in res.stderr
        assert listening_ports(target.pid) == set()  # left as it was found
        paths = res.stdout.split()
        assert len(paths) == 2 and all(load_snapshot(p).node_count > 1000 for p in paths)
        again = leaktui("capture", "--pid", str(target.pid), "-o", str(tmp_path), "--yes",
                        "--no-open")
        assert again.returncode == 0, again.stderr  # SIGUSR1 works a second time


def test_a_listener_on_the_same_port_over_ipv6_does_not_block_sigusr1(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET6) as holder:
        holder.bind(("::1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with node(f"--inspect-port={port}") as target:
            res = leaktui("capture", "--pid", str(target.pid), "-o", str(tmp_path), "--yes",
                          "--no-open")
    assert res.returncode == 0, res.stderr
    assert f"Inspector 127.0.0.1:{port}" in res.stderr
    assert "Closed the inspector that SIGUSR1 opened" in res.stderr


def test_sigusr1_default_port_9229(tmp_path: Path) -> None:
    with socket.socket() as probe:
        taken = probe.connect_ex(("127.0.0.1", 9229)) == 0
    with node() as target:
        res = leaktui("capture", "--pid", str(target.pid), "-o", str(tmp_path), "--yes",
                      "--no-open")
    if taken:  # then the capture must say so rather than talk to somebody else's inspector
        assert res.returncode == 2 and "port 9229 is busy" in res.stderr
    else:
        assert res.returncode == 0, res.stderr
        assert "Inspector 127.0.0.1:9229" in res.stderr
        assert load_snapshot(res.stdout.split()[0]).node_count > 1000


def test_pid_of_a_process_started_with_inspect_uses_its_open_inspector(tmp_path: Path) -> None:
    with node("--inspect=127.0.0.1:0") as target:
        res = leaktui("capture", "--pid", str(target.pid), "-o", str(tmp_path), "--yes",
                      "--no-open")
        assert res.returncode == 0, res.stderr
        assert f"Inspector 127.0.0.1:{target.port}" in res.stderr
        assert "SIGUSR1" not in res.stderr and target.port in listening_ports(target.pid)


def test_heapsnapshot_signal_series_moves_the_files_and_makes_them_private(
        tmp_path: Path) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    with node("--heapsnapshot-signal=SIGUSR2", cwd=work) as target:
        res = leaktui("capture", "--pid", str(target.pid), "--signal", "SIGUSR2", "--count",
                      "2", "--interval", "0.2", "-o", str(tmp_path / "out"), "--yes",
                      "--no-open")
    assert res.returncode == 0, res.stderr
    paths = res.stdout.split()
    assert len(paths) == 2
    assert not list(work.iterdir())  # moved, not copied
    for p in paths:
        assert os.stat(p).st_mode & 0o777 == 0o600
        assert load_snapshot(p).node_count > 1000


def test_streaming_keeps_memory_below_the_snapshot_size(tmp_path: Path) -> None:
    """Chunks go to disk as they come: the capture's peak memory stays under the file's size."""
    # VmHWM: the peak resident size of this process image (ru_maxrss would carry the
    # parent's peak across fork and exec)
    code = ("import sys\n"
            "from leaktui.cli import main\n"
            "code = main(sys.argv[1:])\n"
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
            "print('peak', int(hwm.split()[1]) * 1024, file=sys.stderr)\n"
            "sys.exit(code)\n")
    with node("--inspect=127.0.0.1:0", program=GROWER) as target:
        assert target.send("grow 300000").startswith("grown")
        res = subprocess.run([sys.executable, "-c", code, "capture", "--inspect",
                              str(target.port), "-o", str(tmp_path), "--yes", "--no-open"],
                             capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    size = os.path.getsize(res.stdout.split()[0])
    peak = int(res.stderr.rsplit("peak ", 1)[1])
    assert size > 40_000_000 and peak < size, (peak, size)


def test_sampling_profile_is_written_as_heapprofile_json(tmp_path: Path) -> None:
    with node("--inspect=127.0.0.1:0") as target:
        res = leaktui("capture", "--inspect", f"127.0.0.1:{target.port}", "--sample", "0.6",
                      "-o", str(tmp_path), "--yes", "--no-open")
    assert res.returncode == 0, res.stderr
    (path,) = res.stdout.split()
    assert path.endswith(".heapprofile") and os.stat(path).st_mode & 0o777 == 0o600
    profile = json.loads(Path(path).read_text())
    assert profile["head"]["callFrame"]["functionName"] == "(root)"
    assert isinstance(profile["samples"], list)

    from leaktui.profiles.heapprofile import load_profile

    assert load_profile(path) is not None


def test_tracked_series_carries_allocation_stacks(tmp_path: Path) -> None:
    with node("--inspect=127.0.0.1:0") as target:
        res = leaktui("capture", "--inspect", str(target.port), "--track-allocations",
                      "--count", "2", "--interval", "0.4", "-o", str(tmp_path), "--yes",
                      "--no-open")
    assert res.returncode == 0, res.stderr
    for path in res.stdout.split():
        raw = json.loads(Path(path).read_bytes())
        assert raw["snapshot"]["trace_function_count"] > 0
        assert raw["trace_tree"] and raw["trace_function_infos"]
        assert load_snapshot(path).node_count == raw["snapshot"]["node_count"]


def test_the_series_goes_to_open_series_unless_no_open(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    opened: list[list[str]] = []
    monkeypatch.setattr(command, "open_series", lambda paths: opened.append(list(paths)))
    with node("--inspect=127.0.0.1:0") as target:
        assert cli.main(["capture", "--inspect", str(target.port), "--count", "2",
                         "--interval", "0", "-o", str(tmp_path), "--yes"]) == 0
        assert opened == [capsys.readouterr().out.split()] and len(opened[0]) == 2
        assert cli.main(["capture", "--inspect", str(target.port), "-o", str(tmp_path),
                         "--yes", "--no-open"]) == 0
    assert len(opened) == 1


def _capture_on_a_terminal(port: int, out: Path, answer: bytes) -> tuple[int, str, str]:
    """Run capture with a pseudo-terminal as stdin and answer its question."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "leaktui.cli", "capture", "--inspect",
                             str(port), "-o", str(out), "--no-open"], stdin=follower,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    os.close(follower)
    os.write(leader, answer)
    stdout, stderr = proc.communicate(timeout=60)
    os.close(leader)
    return proc.returncode, stdout, stderr


def test_on_a_terminal_the_capture_asks_first(tmp_path: Path) -> None:
    with node("--inspect=127.0.0.1:0") as target:
        assert target.port is not None
        code, out, err = _capture_on_a_terminal(target.port, tmp_path / "no", b"n\n")
        assert code == 2 and "cancelled" in err and "Take 1 snapshot? [y/N]" in err
        assert out == "" and not list((tmp_path / "no").iterdir())
        code, out, err = _capture_on_a_terminal(target.port, tmp_path / "yes", b"y\n")
        assert code == 0, err
        assert load_snapshot(out.split()[0]).node_count > 1000
