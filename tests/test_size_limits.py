"""No 2^31 or 2^32 limit where a giant heap crosses one: sums of sizes past 4 GiB, an owner's
folded size past 4 GiB, object ids near 2^32, gzip files written as several members. (Byte
offsets past 4 GiB, 64-bit edge offsets and the 5 GB file itself are exercised by benchmarks/,
not here: see the README's performance section; 64-bit offsets and retainer edges also by
test_core_golden, with the limit lowered.)"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from leaktui.snapshot import load_snapshot
from leaktui.snapshot.diff import compare
from leaktui.snapshot.lean import load_lean

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "data" / "mini.heapsnapshot"
SAMPLE = ROOT / "snapshots_sample" / "closure-capture" / "closure-capture-1.heapsnapshot.gz"


def _mini() -> dict[str, Any]:
    return json.loads(MINI.read_text())  # type: ignore[no-any-return]


def _write(tmp_path: Path, name: str, snapshot: dict[str, Any]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(snapshot))
    return str(path)


def _with_object_sizes(size_of: Any) -> dict[str, Any]:
    """The mini snapshot with every object's self size replaced by size_of(old size)."""
    snap = _mini()
    fields = snap["snapshot"]["meta"]["node_fields"]
    width, t, s = len(fields), fields.index("type"), fields.index("self_size")
    obj = snap["snapshot"]["meta"]["node_types"][0].index("object")
    nodes = snap["nodes"]
    for i in range(0, len(nodes), width):
        if nodes[i + t] == obj:
            nodes[i + s] = size_of(nodes[i + s])
    return snap


def test_retained_and_total_sizes_past_4_gib_are_exact(tmp_path: Path) -> None:
    # Retained sizes are linear in the self sizes (the dominator tree does not depend on
    # them): the heap with every object 2^31 bytes bigger retains, per node, what the plain
    # one does plus 2^31 times the objects it retains.
    bump = 2**31
    plain = load_snapshot(str(MINI))
    big = load_snapshot(_write(tmp_path, "big.heapsnapshot",
                               _with_object_sizes(lambda size: size + bump)))
    ones = load_snapshot(_write(tmp_path, "ones.heapsnapshot", _with_object_sizes(lambda _: 1)))
    zero = load_snapshot(_write(tmp_path, "zero.heapsnapshot", _with_object_sizes(lambda _: 0)))
    assert plain.retained_size.dtype == np.uint32  # a heap under 4 GiB: 4 bytes a node
    assert big.retained_size.dtype == np.int64  # its self sizes sum past 2^32 - 1
    objects_retained = ones.retained_size.astype(np.int64) - zero.retained_size
    expected = plain.retained_size.astype(np.int64) + bump * objects_retained
    assert int(expected.max()) > 2**32
    np.testing.assert_array_equal(big.retained_size, expected)
    assert big.total_size == plain.total_size + bump * (ones.total_size - zero.total_size)
    rows = {r.key: r for r in plain.summary()}
    for row in big.summary():
        if row.key in rows:
            extra = row.self_size - rows[row.key].self_size
            assert extra % bump == 0 and row.retained_size >= row.self_size


def test_object_ids_near_2_to_the_32_are_found_and_compared(tmp_path: Path) -> None:
    snap = _mini()
    fields = snap["snapshot"]["meta"]["node_fields"]
    width, f_id = len(fields), fields.index("id")
    ids = snap["nodes"][f_id::width]
    shift = (2**32 - 2 - max(ids)) & ~1  # even: V8's odd/even id split kept
    for i in range(f_id, len(snap["nodes"]), width):
        snap["nodes"][i] += shift
    high = _write(tmp_path, "high.heapsnapshot", snap)
    plain, moved = load_snapshot(str(MINI)), load_snapshot(high)
    assert int(moved.node_id.max()) == max(ids) + shift >= 2**32 - 3
    assert moved.max_js_object_id == plain.max_js_object_id + shift
    wanted = moved.node_id.astype(np.int64)
    np.testing.assert_array_equal(moved.ordinals_of_ids(wanted), np.arange(moved.node_count))
    assert moved.ordinal_of_id(2**32 + 1) is None
    assert moved.find_ordinal(int(wanted[-1])) == moved.node_count - 1  # the go-to's scan
    assert moved.find_ordinal(2**32 + 1) is None
    assert compare(load_lean(high), moved) == []  # the same objects on both sides
    rows = compare(load_lean(str(MINI)), moved)  # no id in common: all new, all deleted
    assert sum(r.new for r in rows) == sum(r.deleted for r in rows) > 0


def test_a_gzip_file_of_several_members_loads_whole(tmp_path: Path) -> None:
    data = gzip.decompress(SAMPLE.read_bytes())
    cuts = [0, len(data) // 3, 2 * len(data) // 3, len(data)]
    path = tmp_path / "members.heapsnapshot.gz"
    path.write_bytes(b"".join(gzip.compress(data[a:b]) for a, b in zip(cuts, cuts[1:],
                                                                        strict=False)))
    one, parts = load_snapshot(str(SAMPLE)), load_snapshot(str(path))
    assert (parts.node_count, parts.edge_count, parts.total_size) == (
        one.node_count, one.edge_count, one.total_size)
    np.testing.assert_array_equal(parts.retained_size, one.retained_size)


def test_an_owner_folded_past_4_gib_keeps_its_exact_size(tmp_path: Path) -> None:
    # In the mini heap one object owns one array (DevTools folds the array's size into the
    # object's). Both made just under 4 GiB: the folded size needs 33 bits, so the sizes go
    # on in int64 from there, and everything above them moves by exactly what was added.
    plain = load_snapshot(str(MINI))
    folded = np.flatnonzero(plain.raw_self_size[np.arange(plain.node_count)]
                            != plain.self_size)
    owner = int(folded[plain.self_size[folded] > 0][0])
    owned = [int(v) for v in folded if plain.self_size[v] == 0]
    assert owned and plain.self_size[owner] == sum(
        int(plain.raw_self_size[v]) for v in [owner, *owned])
    near = 2**32 - 16
    snap = _mini()
    fields = snap["snapshot"]["meta"]["node_fields"]
    width, s = len(fields), fields.index("self_size")
    for v in [owner, *owned]:
        snap["nodes"][v * width + s] = near
    big = load_snapshot(_write(tmp_path, "folded.heapsnapshot", snap))
    added = sum(near - int(plain.raw_self_size[v]) for v in [owner, *owned])
    assert big.self_size.dtype == np.int64
    assert int(big.self_size[owner]) == near * (1 + len(owned)) > 2**32
    assert all(big.self_size[v] == 0 for v in owned)
    np.testing.assert_array_equal(np.delete(big.self_size, [owner, *owned]),
                                  np.delete(plain.self_size, [owner, *owned]))
    above_owner = np.zeros(plain.node_count, dtype=np.int64)
    for v in plain.dominator_chain(owner):
        above_owner[v] = 1
    above_owner[owner] = above_owner[plain.root] = 1
    np.testing.assert_array_equal(big.retained_size,
                                  plain.retained_size + added * above_owner)
    assert big.total_size == plain.total_size + added
    rows = {r.key: r for r in plain.summary()}
    moved = {r.key: r.self_size - rows[r.key].self_size for r in big.summary()}
    assert sorted(moved.values()) == [0] * (len(moved) - 1) + [added]
    lean = load_lean(str(tmp_path / "folded.heapsnapshot"))
    np.testing.assert_array_equal(lean.self_size, big.self_size)
    assert compare(lean, big) == [] and compare(lean, plain) == []  # the same objects


def test_a_report_is_the_same_with_uint32_and_int64_retained_sizes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Retained sizes are uint32 while the heap is under 4 GiB and int64 past it: with the
    limit lowered the same series takes the int64 path, and every number of the report (class
    rows, comparison, growing holders, suspects and what they keep, duplicated strings, a
    search sorted by retained size) comes out the same, so no reader of the uint32 sizes
    wraps (a difference, a negation for a descending sort)."""
    import leaktui.snapshot.pipeline as pipeline
    from leaktui.report import build_report
    from leaktui.suspects import find_suspects

    paths = sorted(str(p) for p in (ROOT / "snapshots_sample" / "unbounded-cache").glob("*.gz"))

    def report() -> tuple[dict[str, Any], np.dtype[Any]]:
        snaps = [load_snapshot(p) for p in paths]
        suspects = [s.to_json() for s in find_suspects(snaps)]
        assert suspects and any(s["retains"] for s in suspects)
        built = build_report(snaps, suspects=suspects, find="Object")
        return json.loads(json.dumps(built)), snaps[-1].retained_size.dtype

    narrow, narrow_type = report()
    monkeypatch.setattr(pipeline, "RETAINED_32_BIT_LIMIT", 0)
    wide, wide_type = report()
    assert (narrow_type, wide_type) == (np.uint32, np.int64)
    for entry in (narrow, wide):
        for snap in entry["snapshots"]:
            snap.pop("timings", None)
    assert narrow == wide


def test_the_files_self_sizes_are_kept_where_folding_changed_them() -> None:
    """`raw_self_size` answers every node with the size the file gives it, for one node and
    for an array of them, while storing only the nodes whose size folding changed."""
    from leaktui.snapshot import load_raw

    snap = load_snapshot(str(SAMPLE))
    raw = load_raw(str(SAMPLE))
    in_file = np.array(raw.nodes[raw.layout.node_self_size])
    every = np.arange(snap.node_count)
    np.testing.assert_array_equal(snap.raw_self_size[every], in_file)
    folded = np.flatnonzero(in_file != snap.self_size)
    assert folded.size and snap.raw_self_size.nbytes == 8 * folded.size
    for v in [0, int(folded[0]), int(folded[-1]), snap.node_count - 1]:
        assert int(snap.raw_self_size[v]) == int(in_file[v])


def test_one_id_is_found_by_a_scan_without_sorting_the_ids(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """The TUI's go-to (`find_ordinal`) finds the object the sorted lookup finds, across the
    scan's chunks, and leaves the sorted ids unbuilt (they cost a second on the giant file)."""
    from leaktui.snapshot import objects

    monkeypatch.setattr(objects, "_ID_SCAN_CHUNK", 7)
    snap = load_snapshot(str(MINI))
    ids = snap.node_id.astype(np.int64).tolist()
    absent = [max(ids) + 2, -1, 2**32 + 1]
    found = [snap.find_ordinal(i) for i in ids + absent]
    assert "_ids_sorted" not in snap.__dict__
    assert found == [snap.ordinal_of_id(i) for i in ids + absent]
    assert found[:len(ids)] == list(range(len(ids))) and found[len(ids):] == [None] * 3


def test_the_id_scan_finds_the_first_hit_on_both_sides_of_its_blocks() -> None:
    """`kernels.first_index_of` compares 64 ids at a time: hits at a block's edges, in the
    tail after the last whole block, repeated values and misses."""
    from leaktui.snapshot import kernels as k

    values = np.arange(200, dtype=np.uint32)
    for key in (0, 1, 63, 64, 127, 128, 191, 192, 199):
        assert k.first_index_of(values, key) == key
    assert k.first_index_of(values, 200) == -1
    assert k.first_index_of(np.zeros(0, dtype=np.uint32), 0) == -1
    twice = np.concatenate([values, values])
    assert k.first_index_of(twice, 150) == 150
