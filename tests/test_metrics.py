"""Live memory: decoding, following a file through partial lines, truncation, rotation and late
creation, the growth verdict on real Node processes using our preload, and the live view."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import node_binary

from leaktui.metrics.preload_command import PRELOAD
from leaktui.metrics.report import metrics_report
from leaktui.metrics.samples import LineParser, parse_time
from leaktui.metrics.tail import MetricsTail
from leaktui.metrics.trend import series_stats, verdict

PROGRAM = Path(__file__).parent / "programs" / "metrics_app.js"


def line(ts: float, rss: float, heap: float) -> str:
    return json.dumps({"ts": ts, "rss": rss, "heapUsed": heap, "heapTotal": heap * 2}) + "\n"


def test_times_in_epoch_ms_epoch_s_and_iso_8601_are_understood() -> None:
    assert parse_time(1700000000123) == pytest.approx(1700000000.123)
    assert parse_time(1700000000) == 1700000000
    assert parse_time("2023-11-14T22:13:20Z") == 1700000000
    assert parse_time("2023-11-14T22:13:20.500+00:00") == pytest.approx(1700000000.5)
    assert parse_time("yesterday") is None


def test_json_lines_with_time_or_timestamp_keys_and_csv_with_a_header() -> None:
    p = LineParser()
    assert p.parse(b'{"time": 1700000000000, "rss": 10}').values["rss"] == 10  # type: ignore[union-attr]
    assert p.parse(b'{"timestamp": "2023-11-14T22:13:20Z", "heapUsed": 5}') is not None
    assert p.parse(b"ts,rss,heapUsed") is None
    row = p.parse(b"1700000000,100,50")
    assert row is not None and row.values == {"rss": 100.0, "heapUsed": 50.0}
    assert p.bad_lines == 0
    assert p.parse(b"this is not a sample") is None
    assert p.parse(b'{"ts": 1, "nothing": 2}') is None
    assert p.bad_lines == 2


def test_partial_last_line_waits_for_its_end(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    f.write_text(line(1000, 1, 1) + '{"ts": 1001, "rss"')
    tail = MetricsTail(str(f))
    assert len(tail.poll()) == 1
    with f.open("a") as out:
        out.write(': 2, "heapUsed": 2}\n')
    new = tail.poll()
    assert [s.values["rss"] for s in new] == [2.0]
    assert tail.bad_lines == 0


def test_truncation_starts_over_cleanly(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    f.write_text("".join(line(1000 + i, i, i) for i in range(5)))
    tail = MetricsTail(str(f))
    assert len(tail.poll()) == 5
    f.write_text(line(2000, 7, 7))
    assert [s.values["rss"] for s in tail.poll()] == [7.0]
    assert tail.state.resets == 1


def test_rotation_to_a_new_file_is_followed(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    f.write_text("".join(line(1000 + i, i, i) for i in range(3)))
    tail = MetricsTail(str(f))
    assert len(tail.poll()) == 3
    os.rename(f, tmp_path / "m.jsonl.1")
    f.write_text(line(3000, 42, 42) + line(3001, 43, 43) + line(3002, 44, 44) +
                 line(3003, 45, 45))
    assert [s.values["rss"] for s in tail.poll()] == [42.0, 43.0, 44.0, 45.0]
    assert tail.state.resets == 1


def test_a_file_that_does_not_exist_yet_is_waited_for(tmp_path: Path) -> None:
    f = tmp_path / "late.jsonl"
    tail = MetricsTail(str(f))
    assert tail.poll() == [] and tail.state.waiting
    f.write_text(line(1000, 1, 1))
    assert len(tail.poll()) == 1 and not tail.state.waiting


def test_garbage_lines_are_counted_not_fatal(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    f.write_text(line(1, 1, 1) + "garbage\n{bad json\n" + line(2, 2, 2))
    tail = MetricsTail(str(f))
    assert len(tail.poll()) == 2 and tail.bad_lines == 2


def test_a_huge_file_is_read_from_its_tail(tmp_path: Path) -> None:
    f = tmp_path / "big.jsonl"
    with f.open("w") as out:
        for i in range(20_000):
            out.write(line(1000 + i, i, i))
    tail = MetricsTail(str(f), tail_bytes=64 * 1024)
    samples = tail.poll()
    assert 0 < len(samples) < 2000
    assert samples[-1].values["rss"] == 19_999
    assert tail.bad_lines == 0  # the cut first line is skipped, not counted


def run_with_preload(tmp_path: Path, mode: str, seconds: float) -> Path:
    out = tmp_path / f"{mode}.jsonl"
    env = dict(os.environ, LEAKTUI_METRICS_FILE=str(out), LEAKTUI_METRICS_INTERVAL_MS="50")
    subprocess.run([node_binary(), "--expose-gc", "-r", str(PRELOAD), str(PROGRAM), mode,
                    str(seconds)], env=env, check=True, timeout=60)
    return out


def test_real_leaking_process_is_growing_and_steady_one_is_stable(tmp_path: Path) -> None:
    leak = metrics_report(str(run_with_preload(tmp_path, "leak", 4)))
    steady = metrics_report(str(run_with_preload(tmp_path, "steady", 4)))
    assert leak["samples"] > 40 and steady["samples"] > 40  # type: ignore[operator]
    # The default verdict wants 20 s of data; these runs are 4 s of 50 ms samples.
    leak_samples = MetricsTail(str(tmp_path / "leak.jsonl")).poll()
    steady_samples = MetricsTail(str(tmp_path / "steady.jsonl")).poll()
    assert verdict(leak_samples, min_span_s=2) == "growing"
    assert verdict(steady_samples, min_span_s=2) == "stable"
    assert series_stats(leak_samples, "heapUsed", min_span_s=2).slope_bytes_per_hour > 0  # type: ignore[union-attr]
    assert leak["verdict"] == "insufficient-data"  # the report's default wants 20 s of data
    assert "gcCount" not in leak["series"]  # type: ignore[operator]


def test_too_few_samples_is_insufficient_data(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    f.write_text("".join(line(1000 + i, i, i) for i in range(3)))
    assert metrics_report(str(f))["verdict"] == "insufficient-data"


def test_report_metrics_fills_the_metrics_block(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text("time,rss,heapUsed\n" + "".join(f"{1000 + 10 * i},{1000 + i * 100},{500 + i}\n"
                                                for i in range(30)))
    proc = subprocess.run([sys.executable, "-m", "leaktui.cli", "report", "--format", "json",
                           "--metrics", str(f)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    m = json.loads(proc.stdout)["metrics"]
    assert m["samples"] == 30 and m["bad_lines"] == 0 and m["verdict"] == "growing"
    assert set(m["series"]["rss"]) == {"last", "min", "max", "slope_bytes_per_hour", "rising"}


def test_preload_path_prints_an_existing_file() -> None:
    proc = subprocess.run([sys.executable, "-m", "leaktui.cli", "preload-path"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and Path(proc.stdout.strip()).is_file()


async def test_appending_lines_updates_the_sparkline_within_a_second(tmp_path: Path) -> None:
    from leaktui.tui.memory import MemoryApp, MemoryView

    f = tmp_path / "live.jsonl"
    f.write_text("".join(line(1000 + i, 100 + i, 50) for i in range(5)))
    app = MemoryApp(path=str(f))
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(MemoryView)
        for _ in range(40):
            await pilot.pause(0.05)
            if len(view.samples) == 5:
                break
        assert len(view.samples) == 5
        before = str(view.render())
        with f.open("a") as out:
            out.write(line(2000, 900, 50))
        started = time.monotonic()
        while len(view.samples) < 6 and time.monotonic() - started < 1.0:
            await pilot.pause(0.05)
        assert len(view.samples) == 6, "the new line did not arrive within a second"
        assert str(view.render()) != before


async def test_live_view_shows_gc_counts_from_the_preload(tmp_path: Path) -> None:
    from leaktui.tui.memory import MemoryApp, MemoryView

    f = run_with_preload(tmp_path, "steady", 2)
    app = MemoryApp(path=str(f))
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(MemoryView)
        for _ in range(40):
            await pilot.pause(0.05)
            if view.samples:
                break
        text = str(view.render())
        assert "GC:" in text and "major" in text
