"""`leaktui watch` without the TUI (--once, --plain) and `leaktui report --metrics`."""

from __future__ import annotations

import json
import os
import re
import selectors
import subprocess
import sys
from pathlib import Path

from leaktui.units import format_size, parse_size

MB = 1_000_000
T0 = 1_700_000_000
PER_HOUR = 120 * MB


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "leaktui.cli", *args], capture_output=True,
                          text=True, timeout=120)


def growing_csv(path: Path, seconds: int = 600, per_hour: float = PER_HOUR,
                flat_s: int = 0) -> None:
    """A sawtooth (7 s period, 20 MB tall) over a floor that stays flat for ``flat_s``
    seconds, then climbs by ``per_hour``."""
    rows = ["timestamp,rss,heapUsed,external"]
    for t in range(seconds):
        floor = 50 * MB + per_hour * max(0, t - flat_s) / 3600
        heap = floor + 20 * MB * (t % 7) / 7
        rows.append(f"{T0 + t},{int(heap + 40 * MB)},{int(heap)},{2 * MB}")
    path.write_text("\n".join(rows) + "\n")


def test_report_metrics_fills_the_metrics_block(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    growing_csv(f)
    with f.open("a") as out:
        out.write("not,a,row,at all\n")
    proc = cli("report", "--format", "json", "--metrics", str(f))
    assert proc.returncode == 0, proc.stderr
    m = json.loads(proc.stdout)["metrics"]
    assert set(m) == {"path", "samples", "bad_lines", "first_ts", "last_ts", "series", "verdict"}
    assert m["path"] == str(f) and m["samples"] == 600 and m["bad_lines"] == 1
    assert m["first_ts"] == T0 and m["last_ts"] == T0 + 599
    assert set(m["series"]) == {"rss", "heapUsed", "external"}
    heap = m["series"]["heapUsed"]
    assert set(heap) == {"last", "min", "max", "slope_bytes_per_hour", "rising"}
    assert all(isinstance(heap[k], int) for k in ("last", "min", "max"))
    assert isinstance(heap["slope_bytes_per_hour"], float) and heap["rising"] is True
    assert abs(heap["slope_bytes_per_hour"] - PER_HOUR) < 0.05 * PER_HOUR
    assert m["series"]["external"]["rising"] is False
    assert m["verdict"] == "growing"


def test_report_metrics_on_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    proc = cli("report", "--metrics", str(tmp_path / "none.jsonl"))
    assert proc.returncode == 2 and "no such metrics file" in proc.stderr


def test_watch_once_prints_one_status_line(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    growing_csv(f)
    proc = cli("watch", str(f), "--once", "--limit", "1G")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.strip()
    assert len(out.splitlines()) == 1
    last_rss = int(f.read_text().splitlines()[-1].split(",")[1])
    assert "rss " in out and format_size(last_rss) in out
    assert "GROWING" in out and f"limit {format_size(parse_size('1G'))} in" in out
    slope = re.search(r"floor heapUsed \+([\d.,]+ [kMGT]?B)/h", out)  # units.format_rate
    assert slope is not None and abs(parse_size(slope[1].replace(" ", "")) - PER_HOUR) < \
        0.05 * PER_HOUR
    missing = cli("watch", str(tmp_path / "later.jsonl"), "--once")
    assert missing.returncode == 0 and "waiting for the metrics file" in missing.stdout


def test_watch_needs_exactly_one_source_and_valid_sizes(tmp_path: Path) -> None:
    neither = cli("watch", "--once")
    both = cli("watch", str(tmp_path / "m.jsonl"), "--pid", str(os.getpid()), "--once")
    bad_limit = cli("watch", str(tmp_path / "m.jsonl"), "--limit", "lots", "--once")
    bad_window = cli("watch", str(tmp_path / "m.jsonl"), "--window", "soon", "--once")
    short_window = cli("watch", str(tmp_path / "m.jsonl"), "--window", "5s", "--once")
    for proc in (neither, both, bad_limit, bad_window, short_window):
        assert proc.returncode == 2 and proc.stderr.startswith("leaktui: ")
    assert "shorter than the 20 s a trend needs" in short_window.stderr


def read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            raise AssertionError(f"no status line within {timeout} s")
    return proc.stdout.readline()


def test_watch_plain_prints_a_new_status_line_when_the_file_grows(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    f.write_text("".join(json.dumps({"ts": T0 + i, "rss": 10 * MB, "heapUsed": 5 * MB}) + "\n"
                         for i in range(3)))
    proc = subprocess.Popen([sys.executable, "-m", "leaktui.cli", "watch", str(f), "--plain"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = read_line(proc, 30)
        assert format_size(10 * MB) in first and "3 samples" in first
        with f.open("a") as out:
            out.write(json.dumps({"ts": T0 + 3, "rss": 77 * MB, "heapUsed": 5 * MB}) + "\n")
        second = read_line(proc, 30)
        assert format_size(77 * MB) in second and "4 samples" in second
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_report_window_judges_only_the_recent_samples(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    growing_csv(f, seconds=1800, flat_s=1200)
    whole = json.loads(cli("report", "--format", "json", "--metrics", str(f)).stdout)["metrics"]
    proc = cli("report", "--format", "json", "--metrics", str(f), "--window", "10m")
    assert proc.returncode == 0, proc.stderr
    recent = json.loads(proc.stdout)["metrics"]
    assert recent["samples"] == whole["samples"] == 1800  # the file is counted whole
    slope = recent["series"]["heapUsed"]["slope_bytes_per_hour"]
    assert abs(slope - PER_HOUR) < 0.05 * PER_HOUR and recent["verdict"] == "growing"
    assert whole["series"]["heapUsed"]["slope_bytes_per_hour"] < 0.8 * PER_HOUR


def test_window_without_a_metrics_file_is_refused(tmp_path: Path) -> None:
    for command in (["report"], []):
        proc = cli(*command, "--window", "10m", str(tmp_path / "a.heapsnapshot"))
        assert proc.returncode == 2 and "--window judges a metrics file" in proc.stderr


def test_report_fail_on_growing_follows_the_metrics_verdict(tmp_path: Path) -> None:
    growing, steady = tmp_path / "growing.csv", tmp_path / "steady.csv"
    growing_csv(growing)
    growing_csv(steady, per_hour=0)
    assert cli("report", "--metrics", str(growing), "--fail-on", "growing").returncode == 1
    assert cli("report", "--metrics", str(steady), "--fail-on", "growing").returncode == 0
