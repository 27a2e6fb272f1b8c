"""The core's numbers equal DevTools' (golden files made by tests/golden/make_golden.py with
DevTools' own heap-snapshot code; the version is recorded in each file)."""

from __future__ import annotations

import json
import subprocess
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from conftest import comparison_keyed, node_binary

from leaktui.snapshot import HeapSnapshot, load_snapshot
from leaktui.snapshot.diff import compare

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
SUMMARIES = sorted(GOLDEN.glob("*.summary.json"))
DIFFS = sorted(GOLDEN.glob("*.diff-*.json"))


@lru_cache(maxsize=8)
def snapshot(rel: str) -> HeapSnapshot:
    return load_snapshot(str(ROOT / rel))


def test_golden_files_exist_for_every_sample_snapshot() -> None:
    samples = sorted((ROOT / "snapshots_sample").glob("*/*.heapsnapshot*"))
    have = {json.loads(p.read_text())["file"] for p in SUMMARIES}
    missing = [str(p.relative_to(ROOT)) for p in samples if str(p.relative_to(ROOT)) not in have]
    assert not missing, f"no golden file for {missing}: run tests/golden/make_golden.py"
    assert (GOLDEN / "mini.summary.json").exists()


@pytest.mark.parametrize("golden", SUMMARIES, ids=lambda p: p.name.removesuffix(".summary.json"))
def test_totals_statistics_and_every_class_row_equal_devtools(golden: Path) -> None:
    gold = json.loads(golden.read_text())
    snap = snapshot(gold["file"])
    assert snap.node_count == gold["nodeCount"]
    assert snap.edge_count == gold["edgeCount"]
    assert snap.total_size == gold["totalSize"]
    assert snap.max_js_object_id == gold["maxJSObjectId"]
    st = gold["statistics"]
    assert (snap.statistics.total, snap.statistics.native_total, snap.statistics.typed_arrays,
            snap.statistics.v8heap_total, snap.statistics.code, snap.statistics.js_arrays,
            snap.statistics.strings, snap.statistics.system) == (
        st["total"], st["native"]["total"], st["native"]["typedArrays"], st["v8heap"]["total"],
        st["v8heap"]["code"], st["v8heap"]["jsArrays"], st["v8heap"]["strings"],
        st["v8heap"]["system"])
    mine = {r.key: (r.name, r.count, r.self_size, r.retained_size, r.distance)
            for r in snap.summary()}
    theirs = {c["classKey"]: (c["name"], c["count"], c["selfSize"], c["retainedSize"],
                              c["distance"]) for c in gold["classes"]}
    assert mine == theirs


@pytest.mark.parametrize("golden", sorted(GOLDEN.glob("*.nodes.npz")),
                         ids=lambda p: p.name.removesuffix(".nodes.npz"))
def test_every_node_retained_size_dominator_and_distance_equal_devtools(golden: Path) -> None:
    summary = json.loads((GOLDEN / golden.name.replace(".nodes.npz", ".summary.json"))
                         .read_text())
    snap = snapshot(summary["file"])
    gold = np.load(golden)
    np.testing.assert_array_equal(snap.node_id, gold["id"])
    np.testing.assert_array_equal(snap.self_size, gold["selfSize"])
    np.testing.assert_array_equal(snap.retained_size, gold["retainedSize"])
    np.testing.assert_array_equal(snap.distance, gold["distance"])
    np.testing.assert_array_equal(snap.node_id[snap.dominator], gold["dominatorId"])


@pytest.mark.parametrize("golden", DIFFS, ids=lambda p: p.name.removesuffix(".json"))
def test_comparison_rows_equal_devtools(golden: Path) -> None:
    gold = json.loads(golden.read_text())
    rows = compare(snapshot(gold["base"]), snapshot(gold["target"]))
    mine, theirs = comparison_keyed(rows, gold)
    assert mine == theirs


def test_largest_k_matches_the_full_instance_order() -> None:
    snap = snapshot("snapshots_sample/unbounded-cache/unbounded-cache-3.heapsnapshot.gz")
    for row in snap.summary()[:30]:
        full = snap.instances(row.class_id)
        members = snap.class_members(row.class_id)
        for k in (1, 7, 200):
            np.testing.assert_array_equal(snap.largest(members, k), full[:k])


def test_a_linked_list_deeper_than_any_stack_is_counted_once_from_its_head(
    tmp_path: Path,
) -> None:
    """200,000 links, each dominated by the one before: every tree walk goes 200,000 deep.
    DevTools counts a class's retained size without double counting, so the class of the
    links retains exactly what the head does; the dominator-tree children agree with the
    dominators."""
    path = tmp_path / "chain.heapsnapshot"
    program = ("class Link { constructor(next, v) { this.next = next; this.v = v; } }"
               "let head = null; for (let i = 0; i < 200000; i++) head = new Link(head, i);"
               f"global.list = head; global.gc(); require('v8').writeHeapSnapshot({str(path)!r})")
    subprocess.run([node_binary(), "--expose-gc", "-e", program], check=True, timeout=120)
    snap = load_snapshot(str(path))
    row = next(r for r in snap.summary() if r.name == "Link")
    assert row.count == 200_000
    links = snap.class_members(row.class_id)
    head = int(links[np.argmax(snap.retained_size[links])])
    assert row.retained_size == int(snap.retained_size[head])
    first_dominated, dominated = snap.dominator_tree()
    parent_of_child = np.repeat(np.arange(snap.node_count), np.diff(first_dominated))
    np.testing.assert_array_equal(snap.dominator[dominated], parent_of_child)
    assert np.all(np.diff(dominated.astype(np.int64))[
        np.diff(parent_of_child) == 0] > 0)  # children in ordinal order


@pytest.mark.parametrize("golden", [GOLDEN / "rules.summary.json",
                                    GOLDEN / "unbounded-cache-3.summary.json"],
                         ids=lambda p: p.name.removesuffix(".summary.json"))
def test_snapshots_of_4g_edges_and_more_get_int64_offsets_and_the_same_numbers(
    golden: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past 2**32 - 1 edges the CSR offsets are int64 (the kernels take either); the limit is
    lowered so a small file takes that path: every number still equals DevTools'."""
    import leaktui.snapshot.graph as graph
    from leaktui.snapshot.growth import element_counts

    gold = json.loads(golden.read_text())
    narrow = snapshot(gold["file"])
    monkeypatch.setattr(graph, "OFFSETS_32_BIT_LIMIT", 0)
    wide = load_snapshot(str(ROOT / gold["file"]))
    assert wide.first_edge.dtype == np.int64 and wide.first_retainer.dtype == np.int64
    assert wide.retaining_edges.dtype == np.int64  # edge ordinals past 2^32 fit
    np.testing.assert_array_equal(wide.retaining_edges, narrow.retaining_edges)
    assert narrow.first_edge.dtype == np.uint32
    theirs = {c["classKey"]: (c["name"], c["count"], c["selfSize"], c["retainedSize"],
                              c["distance"]) for c in gold["classes"]}
    assert {r.key: (r.name, r.count, r.self_size, r.retained_size, r.distance)
            for r in wide.summary()} == theirs
    assert wide.total_size == gold["totalSize"]
    nodes = np.load(GOLDEN / golden.name.replace(".summary.json", ".nodes.npz"))
    np.testing.assert_array_equal(wide.retained_size, nodes["retainedSize"])
    np.testing.assert_array_equal(wide.distance, nodes["distance"])
    np.testing.assert_array_equal(wide.node_id[wide.dominator], nodes["dominatorId"])
    np.testing.assert_array_equal(element_counts(wide), element_counts(narrow))
    for row in wide.summary()[:20]:
        node = int(wide.class_members(row.class_id)[0])
        assert wide.path_to_root(node) == narrow.path_to_root(node)
        assert wide.retainers(node) == narrow.retainers(node)
