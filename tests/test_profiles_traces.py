"""Allocation stacks in a snapshot written by `node --track-heap-objects`: built from the raw
pieces of the file (decoded here with json), the leaked class's top site is the leaking
function at its line; sites agree with a walk of every object's stack; the core loader's
snapshot gives the same; broken trace data is one clear SnapshotError."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from profiles_support import (
    SESSIONS,
    TRACKED,
    all_nodes,
    decode_snapshot,
    line_of,
    nodes_named,
    reference_trace_sites,
    site_key,
    tracked_snapshot,
)

from leaktui.errors import SnapshotError
from leaktui.profiles.report import snapshot_allocations
from leaktui.snapshot import load_snapshot
from leaktui.snapshot.traces import AllocationTraces, TraceTree, build_trace_tree


@pytest.fixture(scope="module")
def tracked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tracked_snapshot(tmp_path_factory.mktemp("tracked"))


@pytest.fixture(scope="module")
def doc(tracked: Path) -> dict[str, Any]:
    return decode_snapshot(tracked)


def _tree(doc: dict[str, Any]) -> TraceTree:
    meta = doc["snapshot"]["meta"]
    return build_trace_tree(doc["trace_function_infos"], doc["trace_tree"], doc["strings"],
                            path="tracked.heapsnapshot",
                            function_info_fields=meta["trace_function_info_fields"],
                            node_fields=meta["trace_node_fields"])


def test_node_20_writes_allocation_traces_with_track_heap_objects(doc: dict[str, Any]) -> None:
    assert doc["snapshot"]["trace_function_count"] > 0
    assert "trace_node_id" in doc["snapshot"]["meta"]["node_fields"]
    tids, _, _ = nodes_named(doc, "LeakedSession")
    # The instances, plus the class's prototype and such, named after it too.
    assert len([t for t in tids if t]) >= SESSIONS


def test_leaked_class_top_site_is_the_leaking_function_and_line(doc: dict[str, Any]) -> None:
    tids, sizes, _ = nodes_named(doc, "LeakedSession")
    sites = _tree(doc).sites_for_nodes(np.asarray(tids), np.asarray(sizes))
    top = sites[0]
    line, text = line_of(TRACKED, "function openSession")
    assert (top.function, top.script, top.line) == ("openSession", str(TRACKED), line)
    assert top.column == text.index("(") + 1
    assert top.count == SESSIONS and top.self_size > 0.9 * sum(sizes)
    # scratch made as many LeakedSession objects, all collected: it allocated none alive.
    assert not any(s.function == "scratch" for s in sites)


def test_allocation_stack_runs_innermost_first_to_the_module(doc: dict[str, Any]) -> None:
    tree = _tree(doc)
    tids, _, _ = nodes_named(doc, "LeakedSession")
    ((leaked, _),) = Counter(tids).most_common(1)
    stack = tree.allocation_stack(leaked)
    assert stack[0].function == "openSession"
    assert (stack[1].script, stack[1].line) == (str(TRACKED), 1)  # the module's function
    assert all(f.function != "(root)" for f in stack)
    assert tree.allocation_stack(leaked, limit=1) == stack[:1]
    assert tree.allocation_stack(0) == []  # untracked


def test_sites_of_every_object_match_a_walk_of_each_stack(doc: dict[str, Any]) -> None:
    tids, sizes = all_nodes(doc)
    got = {site_key(s): (s.count, s.self_size, s.total_size)
           for s in _tree(doc).sites_for_nodes(np.asarray(tids), np.asarray(sizes))}
    assert got == reference_trace_sites(doc, tids, sizes)


def test_untracked_objects_are_left_out_and_counted(doc: dict[str, Any]) -> None:
    tids, sizes = all_nodes(doc)
    tree = _tree(doc)
    traced = [(t, s) for t, s in zip(tids, sizes, strict=True) if tree.allocation_stack(t)]
    assert 0 < len(traced) < len(tids)  # objects from before tracking began have id 0
    assert tree.coverage(np.asarray(tids), np.asarray(sizes)) == (
        len(traced), sum(s for _, s in traced))


def test_the_core_loader_gives_the_same_sites_and_stacks(tracked: Path,
                                                         doc: dict[str, Any]) -> None:
    snap = load_snapshot(str(tracked))
    traces = AllocationTraces.of(snap)
    assert traces is not None and AllocationTraces.of(snap) is traces  # built once
    cls = next(r for r in snap.summary() if r.name == "LeakedSession")
    members = snap.instances(cls.class_id)
    assert cls.count == SESSIONS
    instance_ids = set(snap.node_id[members].tolist())
    tids, sizes, ids = nodes_named(doc, "LeakedSession")
    mine = [k for k, node_id in enumerate(ids) if node_id in instance_ids]
    assert len(mine) == SESSIONS
    from_raw = _tree(doc).sites_for_nodes(np.asarray(tids)[mine], np.asarray(sizes)[mine])
    assert traces.sites_for_nodes(members, top=None) == from_raw
    assert traces.stack(int(members[0]))[0].function == "openSession"
    block = snapshot_allocations(snap)
    assert block is not None and block["source"] == "snapshot-traces"


def test_a_snapshot_without_tracking_has_no_allocation_stacks(tmp_path: Path) -> None:
    snap = load_snapshot(str(tracked_snapshot(tmp_path, track=False)))
    assert not AllocationTraces.available(snap) and AllocationTraces.of(snap) is None
    assert snapshot_allocations(snap) is None
    with pytest.raises(SnapshotError):
        AllocationTraces(snap)


def _synthetic(tree: list[Any]) -> TraceTree:
    strings = ["", "(root)", "f", "g", "/app/x.js"]
    infos = [0, 1, 0, 0, 0, 0,   # (root)
             1, 2, 4, 1, 10, 3,  # f /app/x.js:10:3
             2, 3, 4, 1, 20, 5]  # g /app/x.js:20:5
    return build_trace_tree(infos, tree, strings, path="synthetic")


def test_sparse_trace_node_ids_are_found() -> None:
    far = 10**12
    tree = _synthetic([1, 0, 0, 0, [far, 1, 1, 8, [], 7, 2, 1, 8, []]])
    rows = tree.indices_of(np.asarray([far, 7, 1, 5, 0]))
    assert tree.ids[rows[:3]].tolist() == [far, 7, 1] and rows[3:].tolist() == [-1, -1]
    assert [f.function for f in tree.allocation_stack(far)] == ["f"]


def test_recursive_allocation_stacks_count_each_object_once_in_totals() -> None:
    depth = 30_000  # nested deeper than Python's recursion limit: f -> g -> f -> g ...
    nested: list[Any] = []
    innermost = nested
    for level in range(depth):
        child: list[Any] = []
        innermost.extend([level + 2, 1 + level % 2, 1, 16, child])
        innermost = child
    tree = _synthetic([1, 0, 0, 0, nested])
    assert tree.node_count == depth + 1
    deepest = depth + 1
    sites = tree.sites_for_nodes(np.asarray([deepest, 2]), np.asarray([100, 10]))
    by_name = {s.function: s for s in sites}
    assert by_name["g"].self_size == 100 and by_name["g"].total_size == 100
    assert by_name["f"].self_size == 10 and by_name["f"].total_size == 110
    assert len(tree.allocation_stack(deepest)) == depth


BROKEN: dict[str, tuple[list[Any], list[Any], str]] = {  # infos, tree, named problem
    "infos not whole functions": ([0, 1, 0, 0, 0], [1, 0, 0, 0, []], "multiple of its 6"),
    "name past strings": ([0, 99, 0, 0, 0, 0], [1, 0, 0, 0, []], "past the end of strings"),
    "negative info": ([0, 1, 0, -1, 0, 0], [1, 0, 0, 0, []], "negative"),
    "text in infos": ([0, "f", 0, 0, 0, 0], [1, 0, 0, 0, []], "whole numbers"),
    "node cut short": ([0, 1, 0, 0, 0, 0], [1, 0, 0, 0], "whole nodes of 5"),
    "children not a list": ([0, 1, 0, 0, 0, 0], [1, 0, 0, 0, 5], "children are not"),
    "function past the table": ([0, 1, 0, 0, 0, 0], [1, 3, 0, 0, []], "names function 3"),
    "text as an id": ([0, 1, 0, 0, 0, 0], [1, 0, 0, 0, ["x", 0, 0, 0, []]], "'x'"),
    "negative size": ([0, 1, 0, 0, 0, 0], [1, 0, 0, -8, []], "-8"),
    "two nodes one id": ([0, 1, 0, 0, 0, 0], [1, 0, 0, 0, [1, 0, 0, 0, []]], "the id 1"),
    "tree not a list": ([0, 1, 0, 0, 0, 0], {"id": 1}, "not an array"),  # type: ignore[dict-item]
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_trace_data_is_one_clear_error(case: str) -> None:
    infos, tree, named = BROKEN[case]
    with pytest.raises(SnapshotError) as info:
        build_trace_tree(infos, tree, ["", "(root)"], path="some.heapsnapshot")
    assert info.value.path == "some.heapsnapshot" and named in info.value.problem
    assert "\n" not in str(info.value)


def test_field_lists_missing_a_field_are_one_clear_error() -> None:
    with pytest.raises(SnapshotError, match="lacks script_name"):
        build_trace_tree([], [], [""], path="x", function_info_fields=["function_id", "name"])


def test_raw_pieces_from_json_lists_or_numpy_arrays_agree(doc: dict[str, Any]) -> None:
    meta = doc["snapshot"]["meta"]
    as_array = build_trace_tree(np.asarray(doc["trace_function_infos"], dtype=np.uint32),
                                json.loads(json.dumps(doc["trace_tree"])), doc["strings"],
                                function_info_fields=meta["trace_function_info_fields"],
                                node_fields=meta["trace_node_fields"])
    tids, sizes, _ = nodes_named(doc, "LeakedSession")
    assert as_array.sites_for_nodes(np.asarray(tids), np.asarray(sizes)) == \
        _tree(doc).sites_for_nodes(np.asarray(tids), np.asarray(sizes))


def test_a_file_with_broken_trace_data_is_refused_at_load(tmp_path: Path,
                                                          doc: dict[str, Any]) -> None:
    """The allocation stacks are checked when the file is opened, not when a view first
    asks for them: the CLI names the file and the problem in one line, exit status 2."""
    broken = dict(doc)
    tree = list(doc["trace_tree"])
    tree[1] = len(doc["trace_function_infos"])  # the root names a function past the table
    broken["trace_tree"] = tree
    path = tmp_path / "broken-traces.heapsnapshot"
    path.write_text(json.dumps(broken))
    with pytest.raises(SnapshotError, match="names function"):
        load_snapshot(str(path))
    res = subprocess.run([sys.executable, "-m", "leaktui.cli", "report", str(path)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.count("\n") == 1 and str(path) in res.stderr
