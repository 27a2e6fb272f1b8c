"""No 2^31 or 2^32 limit where a giant heap crosses one: sums of sizes past 4 GiB, object ids
near 2^32, gzip files written as several members. (Byte offsets past 4 GiB, 64-bit edge
offsets and the 5 GB file itself are exercised by benchmarks/, not here: see the README's
performance section.)"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np

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
