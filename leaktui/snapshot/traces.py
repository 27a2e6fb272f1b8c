"""Allocation stacks of snapshots taken with allocation tracking (`node --track-heap-objects`,
or the inspector's `HeapProfiler.startTrackingHeapObjects` before `takeHeapSnapshot`).

Such a snapshot carries `trace_function_infos` (flat, `trace_function_info_fields` per
function: function_id, name, script_name, script_id, line, column; name and script_name are
indexes into `strings`; line and column are 1-based, 0 when unknown), `trace_tree` (nested
arrays of `trace_node_fields`: id, function_info_index, count, size, children) and a
`trace_node_id` per heap node (0: allocated before tracking started, or not traced).

`build_trace_tree` takes those raw pieces and returns a `TraceTree` of flat arrays;
`AllocationTraces` binds one to a loaded `HeapSnapshot`. A frame's line is where its function
starts: V8 records functions, not statements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from leaktui.errors import SnapshotError
from leaktui.snapshot._base import search_keys
from leaktui.snapshot._tree import group_sums, outermost, subtree_sums
from leaktui.snapshot.sites import Frame, Site

if TYPE_CHECKING:
    from leaktui.snapshot import HeapSnapshot

FUNCTION_INFO_FIELDS = ("function_id", "name", "script_name", "script_id", "line", "column")
TRACE_NODE_FIELDS = ("id", "function_info_index", "count", "size", "children")
DENSE_ID_SLACK = 8  # an id -> row table is used while max id < SLACK * rows + 1024


class TraceTree:
    """The allocation call tree in preorder (row 0 is the first root; a subtree is the run
    ``[i, end[i])``).

    Per row: ``ids`` (trace node id), ``parent`` (-1 for roots), ``function`` (row in the
    function table), ``count`` and ``size`` (what V8 counted as allocated there while tracking,
    freed objects included), ``end``. Per function: ``fn_name``, ``fn_script`` (string
    indexes), ``fn_script_id``, ``fn_line``, ``fn_column`` (1-based, 0 unknown), and
    ``fn_site``: the function's site row (functions with the same name, script, line and
    column share one; without a script name, the same script id too)."""

    def __init__(self, ids: np.ndarray, parent: np.ndarray, function: np.ndarray,
                 count: np.ndarray, size: np.ndarray, end: np.ndarray, table: np.ndarray,
                 fields: Sequence[str], strings: Sequence[str]) -> None:
        self.ids = ids
        self.parent = parent
        self.function = function
        self.count = count
        self.size = size
        self.end = end
        self.strings = strings
        col = {name: table[:, fields.index(name)] for name in FUNCTION_INFO_FIELDS[1:]}
        self.fn_name = col["name"]
        self.fn_script = col["script_name"]
        self.fn_script_id = col["script_id"]
        self.fn_line = col["line"]
        self.fn_column = col["column"]
        # A function with no script name is told apart by its script id (0 for builtins).
        scripts, script_row = np.unique(self.fn_script, return_inverse=True)
        unnamed = np.asarray([strings[int(k)] == "" for k in scripts.tolist()], dtype=np.bool_)
        unnamed_id = np.where(unnamed[script_row.reshape(-1)], self.fn_script_id, 0)
        keys = np.stack([self.fn_name, self.fn_script, self.fn_line, self.fn_column,
                         unnamed_id], axis=1)
        if keys.shape[0]:
            _, first, fn_site = np.unique(keys, axis=0, return_index=True, return_inverse=True)
            # Site rows numbered by their first function, so the order is the file's.
            rank = np.empty(first.shape[0], dtype=np.int64)
            rank[np.argsort(first, kind="stable")] = np.arange(first.shape[0])
            self.fn_site = rank[fn_site.reshape(-1)]
            self.site_function = np.sort(first)  # a representative function per site
        else:
            self.fn_site = np.zeros(0, dtype=np.int64)
            self.site_function = np.zeros(0, dtype=np.int64)
        self._id_table, self._sorted_ids, self._sorted_rows = _id_lookup(ids)

    @property
    def node_count(self) -> int:
        return int(self.ids.shape[0])

    @property
    def function_count(self) -> int:
        return int(self.fn_name.shape[0])

    def frame(self, function: int) -> Frame:
        """The frame of a row of the function table."""
        s = self.strings
        return Frame(s[int(self.fn_name[function])], s[int(self.fn_script[function])],
                     int(self.fn_line[function]), int(self.fn_column[function]),
                     int(self.fn_script_id[function]))

    def index_of(self, trace_node_id: int) -> int:
        """The row of a trace node id, -1 when the tree has none (id 0: untracked)."""
        return int(self.indices_of(np.asarray([trace_node_id], dtype=np.int64))[0])

    def indices_of(self, trace_node_ids: np.ndarray) -> np.ndarray:
        """Rows of many trace node ids at once (int64, -1 where absent)."""
        tids = np.asarray(trace_node_ids).astype(np.int64, copy=False)
        if self._id_table is not None:
            table = self._id_table
            inside = (tids >= 0) & (tids < table.shape[0])
            out = np.full(tids.shape, -1, dtype=np.int64)
            out[inside] = table[tids[inside]]
            return out
        if self._sorted_ids.shape[0] == 0:
            return np.full(tids.shape, -1, dtype=np.int64)
        pos = search_keys(tids, self._sorted_ids)
        return np.where(self._sorted_ids[pos] == tids, self._sorted_rows[pos], -1)

    def allocation_stack(self, trace_node_id: int, limit: int | None = None) -> list[Frame]:
        """The stack that allocated an object, innermost frame first, without the tree's
        synthetic root. Empty for id 0 (untracked) or an id the tree lacks."""
        row = self.index_of(trace_node_id)
        frames: list[Frame] = []
        while row >= 0 and int(self.parent[row]) >= 0:
            if limit is not None and len(frames) >= limit:
                break
            frames.append(self.frame(int(self.function[row])))
            row = int(self.parent[row])
        return frames

    def sites_for_nodes(self, trace_node_ids: np.ndarray, sizes: np.ndarray,
                        top: int | None = None) -> list[Site]:
        """Objects grouped by allocation site, largest self size first. Per site: ``count``
        and ``self_size`` of the objects whose innermost frame is the site, ``total_size``
        of those with the site anywhere on their stack (each object once). Objects with no
        stack (id 0, an id the tree lacks, or the tree's root) are left out; see
        ``coverage``."""
        rows = self.indices_of(trace_node_ids)
        sizes = np.asarray(sizes)
        if sizes.shape != rows.shape:
            raise ValueError("trace_node_ids and sizes differ in length")
        traced = rows >= 0
        n = self.node_count
        n_sites = int(self.site_function.shape[0])
        if n == 0 or not traced.any():
            return []
        per_row_size = group_sums(rows[traced], sizes[traced], n)
        per_row_count = np.bincount(rows[traced], minlength=n).astype(np.int64)
        per_row_total = subtree_sums(per_row_size, self.end)
        site = self.fn_site[self.function]
        real = self.parent >= 0  # the tree's root: allocations outside any JS frame
        site_self = group_sums(site[real], per_row_size[real], n_sites)
        site_count = group_sums(site[real], per_row_count[real], n_sites)
        outer = outermost(site, np.arange(n), self.end) & real
        site_total = group_sums(site[outer], per_row_total[outer], n_sites)
        chosen = np.flatnonzero(site_total > 0)
        chosen = chosen[np.lexsort((-site_total[chosen], -site_self[chosen]))]
        if top is not None:
            chosen = chosen[:max(top, 0)]
        return [Site(self.frame(int(self.site_function[k])), int(site_self[k]),
                     int(site_total[k]), int(site_count[k])) for k in chosen.tolist()]

    def coverage(self, trace_node_ids: np.ndarray, sizes: np.ndarray) -> tuple[int, int]:
        """(count, bytes) of the objects with an allocation stack, of those given: not
        id 0 (allocated before tracking began) nor the tree's root (allocated outside any JS
        function), so exactly the objects ``sites_for_nodes`` attributes."""
        rows = self.indices_of(trace_node_ids)
        traced = rows >= 0
        traced[traced] = self.parent[rows[traced]] >= 0
        return int(traced.sum()), int(np.asarray(sizes)[traced].sum(dtype=np.int64))


def build_trace_tree(function_infos: Sequence[int] | np.ndarray, tree: Sequence[Any],
                     strings: Sequence[str], *, path: str = "snapshot",
                     function_info_fields: Sequence[str] | None = None,
                     node_fields: Sequence[str] | None = None) -> TraceTree:
    """A `TraceTree` from a snapshot's raw `trace_function_infos` (flat ints), `trace_tree`
    (nested lists) and `strings`. The field lists default to V8's. Anything malformed raises
    SnapshotError(path, problem)."""
    fields = list(function_info_fields or FUNCTION_INFO_FIELDS)
    tfields = list(node_fields or TRACE_NODE_FIELDS)
    for name, have in (("trace_function_info_fields", fields), ("trace_node_fields", tfields)):
        want = FUNCTION_INFO_FIELDS if have is fields else TRACE_NODE_FIELDS
        missing = [f for f in want if f not in have]
        if missing:
            raise SnapshotError(path, f"{name} lacks {', '.join(missing)}")
    table = _function_table(path, function_infos, fields, len(strings))
    return _flatten_tree(path, tree, tfields, table, fields, strings)


def _function_table(path: str, infos: Sequence[int] | np.ndarray, fields: list[str],
                    string_count: int) -> np.ndarray:
    width = len(fields)
    try:
        flat = np.asarray(infos)
        if flat.dtype == object or flat.dtype.kind not in "iu" and flat.size:
            raise TypeError
        flat = flat.astype(np.int64, copy=False).reshape(-1)
    except (TypeError, ValueError, OverflowError):
        raise SnapshotError(path, "trace_function_infos holds something other than "
                                  "whole numbers") from None
    if flat.size % width:
        raise SnapshotError(path, f"trace_function_infos has {flat.size:,} numbers, not a "
                                  f"multiple of its {width} fields")
    table = flat.reshape(-1, width)
    if table.size and int(table.min()) < 0:
        raise SnapshotError(path, "trace_function_infos holds a negative number")
    for name in ("name", "script_name"):
        column = table[:, fields.index(name)]
        if column.size and int(column.max()) >= string_count:
            raise SnapshotError(path, f"trace_function_infos: a function's {name} is past "
                                      f"the end of strings ({int(column.max()):,} >= "
                                      f"{string_count:,})")
    return table


def _flatten_tree(path: str, tree: Sequence[Any], tfields: list[str], table: np.ndarray,
                  fields: list[str], strings: Sequence[str]) -> TraceTree:
    """Iterative preorder walk of the nested arrays (no recursion: any depth)."""
    step = len(tfields)
    i_id, i_fn = tfields.index("id"), tfields.index("function_info_index")
    i_count, i_size = tfields.index("count"), tfields.index("size")
    i_kids = tfields.index("children")
    n_functions = int(table.shape[0])
    _check_siblings(path, tree, step)
    ids: list[int] = []
    parent: list[int] = []
    function: list[int] = []
    count: list[int] = []
    size: list[int] = []
    end: list[int] = []
    # Open sibling lists: [items, parent row, offset of the next node in items].
    open_lists: list[list[Any]] = [[tree, -1, 0]]
    while open_lists:
        top = open_lists[-1]
        items, up, k = top
        if k >= len(items):
            open_lists.pop()
            if up >= 0:
                end[up] = len(ids)  # the last of up's descendants is done
            continue
        top[2] = k + step
        row = len(ids)
        values = (items[k + i_id], items[k + i_fn], items[k + i_count], items[k + i_size])
        for v in values:
            if type(v) is not int or v < 0:
                raise SnapshotError(path, f"trace_tree: node {row:,} has {v!r} where a "
                                          "non-negative whole number belongs")
        if values[1] >= n_functions:
            raise SnapshotError(path, f"trace_tree: node id {values[0]} names function "
                                      f"{values[1]:,} of {n_functions:,}")
        ids.append(values[0])
        function.append(values[1])
        count.append(values[2])
        size.append(values[3])
        parent.append(up)
        end.append(row + 1)
        kids = items[k + i_kids]
        _check_siblings(path, kids, step)
        if kids:
            open_lists.append([kids, row, 0])
    id_arr = np.asarray(ids, dtype=np.int64)
    if id_arr.size:
        ordered = np.sort(id_arr)
        twice = np.flatnonzero(ordered[1:] == ordered[:-1])
        if twice.size:
            raise SnapshotError(path, f"trace_tree: two nodes have the id {ordered[twice[0]]}")
    return TraceTree(id_arr, np.asarray(parent, dtype=np.int64),
                     np.asarray(function, dtype=np.int64), np.asarray(count, dtype=np.int64),
                     np.asarray(size, dtype=np.int64), np.asarray(end, dtype=np.int64),
                     table, fields, strings)


def _check_siblings(path: str, items: object, step: int) -> None:
    if not isinstance(items, list):
        raise SnapshotError(path, "trace_tree: a node's children are not an array")
    if len(items) % step:
        raise SnapshotError(path, f"trace_tree: a list of {len(items):,} items is not whole "
                                  f"nodes of {step} fields")


def _id_lookup(ids: np.ndarray) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """A dense id -> row table when ids are compact (V8 numbers them from 1), else the ids
    sorted with their rows for a binary search."""
    n = int(ids.shape[0])
    if n and int(ids.min()) >= 0 and int(ids.max()) < DENSE_ID_SLACK * n + 1024:
        table = np.full(int(ids.max()) + 1, -1, dtype=np.int64)
        table[ids] = np.arange(n, dtype=np.int64)
        return table, ids, np.arange(n, dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    return None, ids[order], order.astype(np.int64)


class AllocationTraces:
    """A `TraceTree` bound to a loaded snapshot: stacks and sites by node ordinal."""

    def __init__(self, snap: HeapSnapshot) -> None:
        if snap.trace_node_id is None:
            raise SnapshotError(snap.path, "taken without allocation tracking: no allocation "
                                           "stacks")
        meta = snap.header.meta
        self.snap = snap
        self.path = snap.path
        self.tree = build_trace_tree(
            snap.raw.trace_function_infos if snap.raw.trace_function_infos is not None else [],
            snap.raw.trace_tree or [], snap.strings, path=snap.path,
            function_info_fields=meta.trace_function_info_fields or None,
            node_fields=meta.trace_node_fields or None)
        self.trace_node_id = snap.trace_node_id

    @staticmethod
    def available(snap: HeapSnapshot) -> bool:
        """Whether the snapshot was taken with allocation tracking."""
        return snap.trace_node_id is not None and bool(snap.raw.trace_tree)

    @classmethod
    def of(cls, snap: HeapSnapshot) -> AllocationTraces | None:
        """The snapshot's traces, built once and kept on it; None without tracking."""
        if not cls.available(snap):
            return None
        return snap.cached("allocation_traces", lambda: cls(snap))

    def stack(self, node: int, limit: int | None = 30) -> list[Frame]:
        """The allocation stack of a heap node (ordinal), innermost frame first."""
        return self.tree.allocation_stack(int(self.trace_node_id[node]), limit)

    def sites_for_nodes(self, nodes: np.ndarray, top: int | None = 10) -> list[Site]:
        """Heap nodes (ordinals) grouped by allocation site, largest first."""
        nodes = np.asarray(nodes, dtype=np.int64)
        return self.tree.sites_for_nodes(self.trace_node_id[nodes],
                                         self.snap.self_size[nodes], top=top)

    def live_nodes(self) -> np.ndarray:
        """Ordinals of the objects that take memory (self size > 0)."""
        return np.flatnonzero(self.snap.self_size > 0)
