"""Allocation profiles from real Node processes: the leaking function is the top site, in a
`--heap-prof` profile and in an allocation-tracked snapshot; bad profiles get a clear error."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import node_binary, wait_loaded

from leaktui.errors import SnapshotError
from leaktui.profiles.heapprofile import is_heap_profile, load_profile
from leaktui.profiles.traces import AllocationTraces
from leaktui.snapshot import load_snapshot

PROGRAMS = Path(__file__).parent / "programs"


@pytest.fixture(scope="module")
def heap_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("heapprof")
    subprocess.run([node_binary(), "--no-opt", "--heap-prof", f"--heap-prof-dir={out}",
                    "--heap-prof-interval=1024", str(PROGRAMS / "profile_leak.js")],
                   check=True, timeout=60)
    return next(out.glob("*.heapprofile"))


def test_leaking_function_is_the_top_allocation_site(heap_profile: Path) -> None:
    assert is_heap_profile(str(heap_profile))
    profile = load_profile(str(heap_profile))
    top = profile.sites()[0]
    assert top.function == "leakyHandler"
    assert top.self_size > 0.5 * profile.total
    raw = profile.sites(fold_native=False)
    assert raw[0].function == "repeat"  # without folding, the builtin is what allocates


def test_top_down_tree_totals_add_up(heap_profile: Path) -> None:
    p = load_profile(str(heap_profile))
    root_children = p.children(0)
    assert int(p.total_size[0]) == int(p.self_size[0]) + int(p.total_size[root_children].sum())
    sizes = p.total_size[root_children]
    assert list(sizes) == sorted(sizes, reverse=True)


def test_tracked_snapshot_names_the_allocating_function_and_line(tmp_path: Path) -> None:
    snap_path = tmp_path / "tracked.heapsnapshot"
    subprocess.run([node_binary(), "--expose-gc", "--track-heap-objects",
                    str(PROGRAMS / "tracked_leak.js"), str(snap_path)], check=True, timeout=60)
    snap = load_snapshot(str(snap_path))
    assert AllocationTraces.available(snap)
    traces = AllocationTraces(snap)
    cls = next(r for r in snap.summary() if r.name == "{token, scopes}")
    sites = traces.sites_for_nodes(snap.instances(cls.class_id))
    assert sites[0].frame.function == "openSession"
    assert sites[0].frame.script.endswith("tracked_leak.js") and sites[0].frame.line == 4
    assert sites[0].count >= 3000
    stack = traces.stack(int(snap.instances(cls.class_id)[0]))
    assert stack[0].function == "openSession"
    report = subprocess.run([sys.executable, "-m", "leaktui.cli", "report", "--format", "json",
                             str(snap_path)], capture_output=True, text=True, timeout=120)
    data = json.loads(report.stdout)
    assert data["allocations"]["source"] == "snapshot-traces"
    assert any(s["function"] == "openSession" for s in data["allocations"]["sites"][:3])
    assert any("openSession" in e for e in data["suspects"][0]["evidence"])


def test_report_on_a_profile_fills_allocations(heap_profile: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "leaktui.cli", "report", "--format", "json",
                           str(heap_profile)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    alloc = json.loads(proc.stdout)["allocations"]
    assert alloc["sites"][0]["function"] == "leakyHandler"
    assert set(alloc["sites"][0]) == {"function", "script", "line", "column", "self_size",
                                      "total_size"}


@pytest.mark.parametrize("content", [b"", b'{"head": {"callFrame": ', b"[1, 2]",
                                     b'{"head": {"callFrame": {"functionName": "f", "url": "", '
                                     b'"lineNumber": 1, "columnNumber": 1}, "selfSize": -5, '
                                     b'"id": 1}}'])
def test_malformed_profiles_get_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.heapprofile"
    path.write_bytes(content)
    with pytest.raises(SnapshotError) as info:
        load_profile(str(path))
    assert str(path) in str(info.value)


def test_corrupt_gzip_profile_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.heapprofile.gz"
    path.write_bytes(gzip.compress(b'{"head": {}}')[:-6])
    with pytest.raises(SnapshotError):
        load_profile(str(path))


async def test_profile_view_shows_sites_and_source(heap_profile: Path) -> None:
    from leaktui.tui.profile import ProfileApp, SitesTable

    app = ProfileApp(load_profile(str(heap_profile)))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        table = app.query_one(SitesTable)
        assert table.sites[0].function == "leakyHandler" and table.row_count > 3
        await pilot.press("down", "up")
        assert "leakyHandler" in str(app.query_one("#source").render())


async def test_classes_view_groups_a_class_by_allocation_site(tmp_path: Path) -> None:
    from leaktui.tui.app import LeakApp
    from leaktui.tui.widgets import ClassSummaryTable

    snap_path = tmp_path / "tracked.heapsnapshot"
    subprocess.run([node_binary(), "--expose-gc", "--track-heap-objects",
                    str(PROGRAMS / "tracked_leak.js"), str(snap_path)], check=True, timeout=60)
    app = LeakApp([str(snap_path)])
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1", "slash", *"token", "enter")
        table = app.query_one("#classes", ClassSummaryTable)
        assert table.rows_shown[0].name == "{token, scopes}"
        await pilot.press("a")
        text = str(app.query_one("#object").render())
        assert "openSession" in text and "tracked_leak.js:4" in text
