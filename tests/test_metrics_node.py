"""The Node preload on real processes: a leaking service is `growing`, a steady one with a GC
sawtooth is `stable`; GC counters, one file per process, never in the app's way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import node_binary

from leaktui.commands.preload_path import PRELOAD
from leaktui.metrics.report import metrics_report
from leaktui.metrics.tail import MetricsTail

PROGRAMS = Path(__file__).parent / "programs"
SECONDS = 4  # of a service allocating ~20 MB/s: many collections
INTERVAL_MS = 100


def preload_env(out: Path, interval_ms: int = INTERVAL_MS) -> dict[str, str]:
    return dict(os.environ, LEAKTUI_METRICS_FILE=str(out),
                LEAKTUI_METRICS_INTERVAL_MS=str(interval_ms))


def run_services(tmp_path: Path, *modes: str) -> dict[str, tuple[Path, int]]:
    """Run tests/programs/metrics_app.js in each mode at once; their files and pids."""
    procs = {}
    for mode in modes:
        out = tmp_path / f"{mode}.jsonl"
        procs[mode] = (out, subprocess.Popen(
            [node_binary(), "-r", str(PRELOAD), str(PROGRAMS / "metrics_app.js"), mode,
             str(SECONDS)], env=preload_env(out)))
    for _out, proc in procs.values():
        assert proc.wait(timeout=60) == 0
    return {mode: (out, proc.pid) for mode, (out, proc) in procs.items()}


Runs = dict[str, tuple[Path, int]]


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return run_services(tmp_path_factory.mktemp("services"), "leak", "steady")


def test_a_leaking_service_is_growing_and_a_steady_one_with_a_sawtooth_is_stable(
        services: Runs) -> None:
    runs = services
    short = SECONDS / 2  # the default wants 20 s of data; these runs are 4 s of 100 ms samples
    leak = metrics_report(str(runs["leak"][0]), min_span_s=short)
    steady = metrics_report(str(runs["steady"][0]), min_span_s=short)
    expected = SECONDS * 1000 // INTERVAL_MS
    for report in (leak, steady):
        assert expected // 2 <= report["samples"] <= expected + 2  # type: ignore[operator]
        assert report["bad_lines"] == 0
    assert leak["verdict"] == "growing", leak
    assert steady["verdict"] == "stable", steady
    leak_heap = leak["series"]["heapUsed"]  # type: ignore[index]
    steady_heap = steady["series"]["heapUsed"]  # type: ignore[index]
    assert leak_heap["rising"] and not steady_heap["rising"]
    assert leak_heap["slope_bytes_per_hour"] > 0
    # The steady service's heap does go up and down: a sawtooth, not a flat line.
    steady_samples = MetricsTail(str(runs["steady"][0])).read_all()
    heap = steady_samples.column("heapUsed")
    drops = np.flatnonzero(np.diff(heap) < 0)
    assert len(drops) >= 3 and heap.max() > 1.5 * heap.min()
    assert metrics_report(str(runs["leak"][0]))["verdict"] == "insufficient-data"


def test_preload_lines_carry_memory_gc_counters_and_the_pid(services: Runs) -> None:
    out, pid = services["steady"]
    rows = [json.loads(text) for text in out.read_text().splitlines()]
    assert {"ts", "rss", "heapTotal", "heapUsed", "external", "arrayBuffers", "gcCount",
            "gcMajor", "gcPauseMs", "pid"} <= set(rows[0])
    assert {row["pid"] for row in rows} == {pid}
    counts = [row["gcCount"] for row in rows]
    assert counts == sorted(counts) and counts[-1] > counts[0]
    assert rows[-1]["gcPauseMs"] > 0 and rows[-1]["gcMajor"] <= rows[-1]["gcCount"]
    # The heap right after collections: in lines whose interval saw one, never above the
    # sampled heap's peak, and a much narrower band than the sawtooth it sits under.
    floors = [row["heapUsedAfterGc"] for row in rows if "heapUsedAfterGc" in row]
    heaps = [row["heapUsed"] for row in rows]
    assert len(floors) >= len(rows) // 4 and max(floors) <= max(heaps)
    settled = floors[len(floors) // 2:]
    assert max(settled) - min(settled) < (max(heaps) - min(heaps)) / 4
    gaps = np.diff([row["ts"] for row in rows])
    assert INTERVAL_MS * 0.8 <= float(np.median(gaps)) <= INTERVAL_MS * 3
    now_ms = time.time() * 1000
    assert now_ms - 60_000 < rows[-1]["ts"] <= now_ms  # epoch milliseconds


def test_preload_neither_keeps_the_app_alive_nor_throws_into_it(tmp_path: Path) -> None:
    script = "setTimeout(() => console.log('done'), 300)"
    for target in (tmp_path / "m.jsonl", tmp_path / "no" / "such" / "dir" / "m.jsonl"):
        # An un-unref'd 50 ms timer would keep Node running: the timeout would raise.
        proc = subprocess.run([node_binary(), "-r", str(PRELOAD), "-e", script],
                              env=preload_env(target, 50), capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 0 and proc.stdout.strip() == "done" and proc.stderr == ""
    samples = (tmp_path / "m.jsonl").read_text().splitlines()
    assert len(samples) >= 2  # one at start, then every 50 ms until the app ended


def test_only_the_main_thread_writes_and_a_forked_child_writes_its_own_file(
        tmp_path: Path) -> None:
    out = tmp_path / "family.jsonl"
    proc = subprocess.run([node_binary(), "-r", str(PRELOAD),
                           str(PROGRAMS / "metrics_family.js")], env=preload_env(out, 50),
                          capture_output=True, text=True, timeout=30, check=True)
    child_pid = int(proc.stdout.strip())
    parent_pids = {json.loads(text)["pid"] for text in out.read_text().splitlines()}
    assert len(parent_pids) == 1 and child_pid not in parent_pids  # no worker, no child lines
    child_file = tmp_path / f"family-{child_pid}.jsonl"
    child_pids = {json.loads(text)["pid"] for text in child_file.read_text().splitlines()}
    assert child_pids == {child_pid}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, child_file.name])


def test_without_a_file_name_the_preload_writes_one_per_pid_in_the_working_directory(
        tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKTUI_METRICS")}
    proc = subprocess.Popen([node_binary(), "-r", str(PRELOAD), "-e", "setTimeout(() => {}, 150)"],
                            env=env, cwd=tmp_path)
    assert proc.wait(timeout=30) == 0
    written = tmp_path / f"leaktui-metrics-{proc.pid}.jsonl"
    assert written.is_file() and MetricsTail(str(written)).poll()


def test_preload_path_prints_the_packaged_preload() -> None:
    proc = subprocess.run([sys.executable, "-m", "leaktui.cli", "preload-path"],
                          capture_output=True, text=True, timeout=60)
    path = Path(proc.stdout.strip())
    assert proc.returncode == 0 and path.is_absolute() and path == PRELOAD.resolve()
    assert path.read_text().startswith("// leaktui metrics preload")
