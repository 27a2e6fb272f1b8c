"""The report's `allocations` block, from a heap profile and from a tracked snapshot, and
`leaktui report` filling it in for a profile."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from profiles_support import LEAK_CJS, TRACKED, heap_prof, line_of, tracked_snapshot

from leaktui.profiles.heapprofile import load_profile
from leaktui.profiles.report import allocations_report
from leaktui.snapshot import load_snapshot
from leaktui.snapshot.traces import AllocationTraces

SITE_KEYS = {"function", "script", "line", "column", "self_size", "total_size"}


@pytest.fixture(scope="module")
def profile_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return heap_prof(LEAK_CJS, tmp_path_factory.mktemp("report-profile"))


def test_profile_block_lists_sites_by_self_size_with_the_leak_first(profile_path: Path
                                                                   ) -> None:
    profile = load_profile(str(profile_path))
    block = allocations_report(profile, top=None)
    assert (block["source"], block["path"], block["total_size"]) == (
        "heapprofile", str(profile_path), profile.total)
    sites = block["sites"]
    assert isinstance(sites, list) and len(sites) == len(profile.sites())
    assert all(set(site) == SITE_KEYS for site in sites)
    assert [s["self_size"] for s in sites] == sorted((s["self_size"] for s in sites),
                                                     reverse=True)
    line, _ = line_of(LEAK_CJS, "function retainRequest")
    assert (sites[0]["function"], sites[0]["script"], sites[0]["line"]) == (
        "retainRequest", str(LEAK_CJS), line)
    assert allocations_report(profile, top=3)["sites"] == sites[:3]
    json.dumps(block)  # plain JSON types only


def test_tracked_snapshot_block_groups_live_objects_by_site(tmp_path: Path) -> None:
    snap = load_snapshot(str(tracked_snapshot(tmp_path)))
    traces = AllocationTraces(snap)
    block = allocations_report(traces, top=None)
    assert block["source"] == "snapshot-traces" and block["path"] == snap.path
    sites = block["sites"]
    assert isinstance(sites, list)
    assert all(set(site) == SITE_KEYS | {"count"} for site in sites)
    assert [s["self_size"] for s in sites] == sorted((s["self_size"] for s in sites),
                                                     reverse=True)
    live = snap.self_size[snap.self_size > 0]
    assert block["total_size"] + block["untracked_size"] == int(np.sum(live))  # type: ignore[operator]
    assert sum(s["self_size"] for s in sites) == block["total_size"]
    line, _ = line_of(TRACKED, "function openSession")
    assert any((s["function"], s["line"]) == ("openSession", line) for s in sites[:5])
    json.dumps(block)


def test_report_command_fills_allocations_from_a_profile(profile_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "leaktui.cli", "report", "--format", "json",
                           "--top", "5", str(profile_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    block = json.loads(proc.stdout)["allocations"]
    assert block == json.loads(json.dumps(allocations_report(load_profile(str(profile_path)),
                                                             top=5)))
