"""Growth across a series: a Map that keeps its identity and grows is found with its counts per
snapshot and its path from `global`; survivors are attributed to it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from leaktui.snapshot import load_snapshot
from leaktui.snapshot.diff import compare
from leaktui.snapshot.growth import growing_holders, survivors


def test_growing_map_is_reported_with_counts_per_snapshot_and_path_from_global(
    growing_map_series: list[Path],
) -> None:
    snaps = [load_snapshot(str(p)) for p in growing_map_series]
    holders = growing_holders(snaps)
    maps = [h for h in holders if h.class_name == "Map" and h.path == ["registry", "profiles"]]
    assert maps, [(h.class_name, h.path) for h in holders]
    counts = maps[0].counts
    assert len(counts) == 3 and counts[0] < counts[1] < counts[2]
    assert counts[2] - counts[1] >= 400  # one entry per cached profile at least
    sizes = maps[0].retained_sizes
    assert sizes[0] < sizes[1] < sizes[2]


def test_survivors_of_the_middle_phase_are_held_by_the_growing_map(
    growing_map_series: list[Path],
) -> None:
    snaps = [load_snapshot(str(p)) for p in growing_map_series]
    groups = survivors(snaps)
    profiles = [g for g in groups if g.class_name == "CachedProfile"]
    assert profiles and profiles[0].count == 400
    assert profiles[0].holder_class == "Map"
    assert profiles[0].path == ["registry", "profiles"]


def test_comparison_counts_the_new_cached_profiles(growing_map_series: list[Path]) -> None:
    first, _, last = (load_snapshot(str(p)) for p in growing_map_series)
    rows = {r.name: r for r in compare(first, last)}
    assert rows["CachedProfile"].new == 800
    assert rows["CachedProfile"].deleted == 0


def test_report_json_fills_diff_with_classes_survivors_and_growing(
    growing_map_series: list[Path],
) -> None:
    proc = subprocess.run([sys.executable, "-m", "leaktui.cli", "report", "--format", "json",
                           *map(str, growing_map_series)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["format"] == "leaktui-report/1"
    assert len(report["snapshots"]) == 3
    diff = report["diff"]
    assert (diff["base"], diff["target"]) == (0, 2)
    row = next(r for r in diff["classes"] if r["name"] == "CachedProfile")
    assert set(row) >= {"name", "new", "deleted", "delta", "alloc_size", "freed_size",
                        "size_delta"}
    assert any(g["path"] == ["registry", "profiles"] for g in diff["growing"])
    assert any(s["class"] == "CachedProfile" for s in diff["survivors"])

