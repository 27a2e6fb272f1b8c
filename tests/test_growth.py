"""Growth across a series: a Map that keeps its identity and grows is found with its counts per
snapshot and its path from `global`; survivors are attributed to it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from library_corpus import library_series  # noqa: F401 (fixture)

from leaktui.snapshot import load_snapshot
from leaktui.snapshot.diff import compare
from leaktui.snapshot.growth import growing_holders, holder_text, survivors
from leaktui.snapshot.paths import path_text


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



SAMPLES = Path(__file__).resolve().parents[1] / "snapshots_sample"


def sample(name: str) -> list:  # type: ignore[type-arg]
    return [load_snapshot(str(p)) for p in sorted((SAMPLES / name).glob("*.heapsnapshot.gz"))]


def test_growing_holders_are_only_those_whose_count_rose_at_every_step() -> None:
    # A holder at `entries 22 -> 22 -> 22` whose retained size moved is not growing.
    for name in ("control-no-leak", "unbounded-cache", "listener-leak"):
        for h in growing_holders(sample(name)):
            rising = all(b > a for a, b in zip(h.counts, h.counts[1:], strict=False))
            assert rising, (name, h.path, h.counts)


def test_one_map_has_one_count_in_growth_and_in_suspects() -> None:
    from leaktui.suspects import find_suspects

    for name in ("high-cardinality-key", "unbounded-cache"):
        snaps = sample(name)
        top = find_suspects(snaps)[0]
        held = [h for h in growing_holders(snaps) if h.node_id == top.holder_id]
        assert held, (name, top.holder_id, [(h.node_id, h.path) for h in growing_holders(snaps)])
        assert held[0].counts == top.item_counts, name


def test_survivors_held_from_several_places_name_the_older_object_on_their_path(
    library_series,  # type: ignore[no-untyped-def]  # noqa: F811
) -> None:
    # Each device's job is in the scheduler's registry and its timer in Node's timer lists:
    # no older object but `global` dominates them; their path goes through the registry.
    snaps = [load_snapshot(str(p)) for p in library_series("toad-scheduler-job-per-device")]
    groups = survivors(snaps)
    timers = [g for g in groups if g.class_name == "Timeout"]
    assert timers and timers[0].path == ["fleet", "scheduler", "jobRegistry"], timers
    for g in groups:
        assert g.path and g.holder_class != "(synthetic)", g
        assert holder_text(g.holder_class, g.holder_id, g.path_text).endswith(g.path_text)
        assert g.path_text == path_text(snaps[-1], g.holder)  # written as everywhere else


def test_survivors_say_what_is_true_for_the_snapshots_compared() -> None:
    from leaktui.tui.widgets.growth import growth_notes

    snaps = sample("control-no-leak")
    three = str(growth_notes(snaps))
    assert "needs three" not in three
    if not survivors(snaps):
        assert "none: no group of 10 or more objects born between the first two" in three
    two = str(growth_notes(snaps[1:]))
    assert "survivors need three snapshots and 2 are compared" in two
    mixed = str(growth_notes(snaps, one_process=False))
    assert mixed.count("off: these snapshots are not of one process") == 2


def test_slots_into_collections_are_numpy_s_edges_with_their_columns() -> None:
    """`kernels.collection_slots` (two walks of the edges) gives the edges into the
    collections a mask over all edges finds, their sources, types and targets, numeric names
    as they are and string names ranked among the distinct strings the slots name, each rank
    with the first edge naming it."""
    import numpy as np

    from leaktui.snapshot import kernels as k
    from leaktui.snapshot.growth import collection_nodes

    snap = load_snapshot(str(Path(__file__).parent / "data" / "node20-map.heapsnapshot.gz"))
    mask = np.zeros(snap.node_count, dtype=np.bool_)
    mask[collection_nodes(snap)] = True
    sources, types, names, targets, samples = k.collection_slots(
        snap.first_edge, snap.edge_to, snap.edge_type, snap.edge_name, mask, snap.E_WEAK,
        snap.E_ELEMENT, snap.E_HIDDEN, len(snap.strings))
    edges = np.flatnonzero(mask[snap.edge_to] & (snap.edge_type != snap.E_WEAK))
    assert edges.size > 1000
    assert np.array_equal(sources, snap.edge_sources(edges))
    assert np.array_equal(types, snap.edge_type[edges])
    assert np.array_equal(targets, snap.edge_to[edges])
    numeric = np.isin(types, [snap.E_ELEMENT, snap.E_HIDDEN])
    assert numeric.any() and not numeric.all()
    assert np.array_equal(names[numeric], snap.edge_name[edges[numeric]])
    strings, first, rank = np.unique(snap.edge_name[edges[~numeric]], return_index=True,
                                     return_inverse=True)
    assert np.array_equal(names[~numeric], rank)
    assert np.array_equal(samples, edges[~numeric][first])


def test_the_collections_summary_gives_slots_read_as_one_text_one_name(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two strings can read as one name (a shortcut edge's `"007"` reads `7`): the slots'
    names are their texts' numbers, whatever string each came from."""
    import numpy as np

    from leaktui.snapshot.growth import collections_summary

    snap = load_snapshot(str(Path(__file__).parent / "data" / "node20-map.heapsnapshot.gz"))
    read = snap.edge_name_text
    monkeypatch.setattr(snap, "edge_name_text", lambda e: read(e)[:1])  # many strings, one text
    summary = collections_summary(snap)
    assert len(summary.slot_texts) < 100
    edges = np.flatnonzero(np.isin(snap.edge_to, summary.nodes)
                           & (snap.edge_type != snap.E_WEAK))
    text_of = {code: text for text, code in summary.slot_texts.items()}
    named = ~np.isin(summary.slot_type, [snap.E_ELEMENT, snap.E_HIDDEN])
    assert [text_of[int(c)] for c in summary.slot_name[named]] == \
        [read(e)[:1] for e in edges[named].tolist()]
    assert list(summary.slot_texts.values()) == list(range(len(summary.slot_texts)))
