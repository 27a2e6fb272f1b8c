"""A series opened lean (`load_series(..., lean=True)`, what `leaktui report A B C` does): one full
snapshot, the newest, and the older ones kept lean with their older-snapshot summaries. What
comes out is what the all-full series gives; the summaries say what the graph says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pytest

from leaktui.report import build_report
from leaktui.series import LEAN_PHASE, OpenedSeries, load_series
from leaktui.snapshot import HeapSnapshot
from leaktui.snapshot.entries import entry_count
from leaktui.snapshot.growth import collections_of, element_counts
from leaktui.snapshot.lean import LeanSnapshot
from leaktui.snapshot.older import SUMMARIES

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "snapshots_sample"
CACHE = sorted(str(p) for p in (SAMPLES / "unbounded-cache").glob("*.heapsnapshot.gz"))
LISTENERS = sorted(str(p) for p in (SAMPLES / "listener-leak").glob("*.heapsnapshot.gz"))


@pytest.fixture(scope="module")
def full() -> OpenedSeries:
    return load_series(CACHE)


@pytest.fixture(scope="module")
def lean() -> OpenedSeries:
    return load_series(CACHE, lean=True)


def _report(series: OpenedSeries) -> dict[str, Any]:
    report = build_report(series.snaps, suspects=[s.to_json() for s in series.suspects],
                          warnings=series.warnings, one_process=series.one_process)
    return msgspec.json.decode(msgspec.json.encode(report))  # type: ignore[no-any-return]


def test_a_lean_series_reports_exactly_what_the_full_series_does(
        full: OpenedSeries, lean: OpenedSeries) -> None:
    report = _report(lean)
    assert report["suspects"] and report["diff"]["classes"] and report["diff"]["growing"]
    assert report == _report(full)


def test_a_lean_series_keeps_only_the_newest_snapshot_full(lean: OpenedSeries) -> None:
    assert [type(s) for s in lean.snaps] == [LeanSnapshot, LeanSnapshot, HeapSnapshot]
    assert lean.last is lean.snaps[-1]
    for older in lean.snaps[:-1]:
        assert isinstance(older, LeanSnapshot) and set(older.summaries) == set(SUMMARIES)
    with pytest.raises(TypeError, match="opened lean"):
        lean.full()


def test_a_lean_series_given_newest_first_reads_the_newest_fully_and_says_so(
        full: OpenedSeries) -> None:
    heard: list[tuple[str, str]] = []
    given = list(reversed(LISTENERS))
    series = load_series(given, lambda i, n, path, phase, f: heard.append((path, phase)),
                         lean=True)
    assert [s.path for s in series.snaps] == LISTENERS
    assert isinstance(series.snaps[-1], HeapSnapshot)
    assert all(isinstance(s, LeanSnapshot) for s in series.snaps[:-1])
    assert any("reordered" in w for w in series.warnings)
    assert series.suspects and series.suspects[0].pattern == "listener-leak"
    # The last file given was the oldest: kept lean, then the newest read again in full.
    lean_phases = [path for path, phase in heard if phase == LEAN_PHASE]
    assert lean_phases == given[:2] + [LISTENERS[0]]


@pytest.fixture(scope="module")
def snap(full: OpenedSeries) -> HeapSnapshot:
    return full.last


def test_the_collections_summary_counts_every_collection_as_the_graph_does(
        snap: HeapSnapshot) -> None:
    summary = collections_of(snap)
    nodes = summary.nodes.astype(np.int64)
    assert nodes.size > 1000
    kinds = np.asarray(snap.class_names, dtype=object)[snap.class_id[nodes]]
    keyed = np.isin(kinds, ["Map", "Set"])
    sample = np.union1d(nodes[keyed], nodes[:: max(1, nodes.size // 3000)])
    assert summary.entry_counts(sample).tolist() == [entry_count(snap, o)
                                                     for o in sample.tolist()]
    assert (summary.element_counts(nodes) == element_counts(snap)[nodes]).all()
    assert (summary.retained_sizes(nodes) == snap.retained_size[nodes]).all()
    others = np.setdiff1d(np.arange(snap.node_count), nodes)[:1000]
    assert not summary.entry_counts(np.concatenate([others, [-1]])).any()


def test_the_collections_summary_finds_a_collection_by_its_parent_and_edge(
        snap: HeapSnapshot) -> None:
    summary = collections_of(snap)
    is_collection = np.zeros(snap.node_count, dtype=np.bool_)
    is_collection[summary.nodes] = True
    checked = 0
    for parent in np.unique(summary.slot_source)[:2000].tolist():
        for e in snap.edges(parent):
            target = int(snap.edge_to[e])
            if not is_collection[target] or int(snap.edge_type[e]) == snap.E_WEAK:
                continue
            held = summary.held_by(parent, snap.edge_type_name(e), snap.edge_name_text(e))
            assert target in held.tolist(), (parent, snap.edge_label(e))
            checked += 1
    assert checked > 1000
    assert summary.held_by(int(summary.slot_source[0]), "property", "no such name").size == 0


def test_a_lean_snapshot_costs_a_fraction_of_the_full_one(snap: HeapSnapshot) -> None:
    lean = LeanSnapshot.of(snap)
    summaries = sum(s.nbytes for s in lean.summaries.values())
    assert 0 < summaries < lean.nbytes
    assert lean.nbytes / snap.node_count < 60  # bytes per node, summaries included
