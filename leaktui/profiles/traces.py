"""Allocation stacks in snapshots taken with allocation tracking (`trace_function_infos`,
`trace_tree` and each node's `trace_node_id`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leaktui.snapshot import HeapSnapshot


@dataclass(frozen=True)
class Frame:
    function: str
    script: str
    line: int  # 1-based (V8 writes them 1-based here)
    column: int

    @property
    def label(self) -> str:
        where = f"{self.script}:{self.line}" if self.script else "(native)"
        return f"{self.function or '(anonymous)'} {where}"


@dataclass(frozen=True)
class TraceSite:
    frame: Frame
    count: int
    size: int

    def to_json(self) -> dict[str, object]:
        return {"function": self.frame.function, "script": self.frame.script,
                "line": self.frame.line, "column": self.frame.column,
                "self_size": self.size, "total_size": self.size, "count": self.count}


class AllocationTraces:
    """The allocation call tree of a tracked snapshot as flat arrays."""

    def __init__(self, snap: HeapSnapshot) -> None:
        self.snap = snap
        meta = snap.header.meta
        fields = meta.trace_function_info_fields or ["function_id", "name", "script_name",
                                                     "script_id", "line", "column"]
        infos = snap.raw.trace_function_infos
        width = len(fields)
        flat = np.zeros(0, dtype=np.int64) if infos is None else infos.astype(np.int64)
        table = flat.reshape(-1, width) if flat.size else np.zeros((0, width), dtype=np.int64)
        self.fn_name = table[:, fields.index("name")] if len(table) else table[:, 0]
        self.fn_script = table[:, fields.index("script_name")] if len(table) else table[:, 0]
        self.fn_line = table[:, fields.index("line")] if len(table) else table[:, 0]
        self.fn_col = table[:, fields.index("column")] if len(table) else table[:, 0]
        tfields = meta.trace_node_fields or ["id", "function_info_index", "count", "size",
                                             "children"]
        ids: list[int] = []
        fns: list[int] = []
        parents: list[int] = []
        stack: list[tuple[list[object], int]] = []
        tree = snap.raw.trace_tree or []
        step = len(tfields)
        i_id, i_fn, i_children = (tfields.index("id"), tfields.index("function_info_index"),
                                  tfields.index("children"))
        stack.append((tree, -1))
        while stack:  # iterative flattening of the nested arrays
            items, parent = stack.pop()
            for k in range(0, len(items) - step + 1, step):
                index = len(ids)
                ids.append(int(items[k + i_id]))  # type: ignore[call-overload]
                fns.append(int(items[k + i_fn]))  # type: ignore[call-overload]
                parents.append(parent)
                children = items[k + i_children]
                if isinstance(children, list) and children:
                    stack.append((children, index))
        self.node_ids = np.asarray(ids, dtype=np.int64)
        self.node_fn = np.asarray(fns, dtype=np.int64)
        self.node_parent = np.asarray(parents, dtype=np.int64)
        self._order = np.argsort(self.node_ids, kind="stable")

    @staticmethod
    def available(snap: HeapSnapshot) -> bool:
        return snap.trace_node_id is not None and bool(snap.raw.trace_tree)

    def _index(self, trace_id: int) -> int:
        sorted_ids = self.node_ids[self._order]
        i = int(np.searchsorted(sorted_ids, trace_id))
        if i < sorted_ids.size and int(sorted_ids[i]) == trace_id:
            return int(self._order[i])
        return -1

    def frame(self, fn_index: int) -> Frame:
        s = self.snap.strings
        return Frame(s[int(self.fn_name[fn_index])], s[int(self.fn_script[fn_index])],
                     int(self.fn_line[fn_index]), int(self.fn_col[fn_index]))

    def stack(self, node: int, limit: int = 30) -> list[Frame]:
        """The allocation stack of a heap object, innermost frame first."""
        if self.snap.trace_node_id is None:
            return []
        index = self._index(int(self.snap.trace_node_id[node]))
        frames: list[Frame] = []
        while index >= 0 and len(frames) < limit:
            fn = int(self.node_fn[index])
            if 0 <= fn < len(self.fn_name):
                frames.append(self.frame(fn))
            index = int(self.node_parent[index])
        return [f for f in frames if f.function != "(root)"]

    def sites_for_nodes(self, nodes: np.ndarray, top: int = 10) -> list[TraceSite]:
        """Objects grouped by the function that allocated them (their innermost JS frame),
        with count and size, largest first."""
        if self.snap.trace_node_id is None or nodes.size == 0:
            return []
        tids = self.snap.trace_node_id[nodes].astype(np.int64)
        sorted_ids = self.node_ids[self._order]
        pos = np.clip(np.searchsorted(sorted_ids, tids), 0, max(sorted_ids.size - 1, 0))
        found = sorted_ids.size > 0
        index = np.where(found & (sorted_ids[pos] == tids), self._order[pos], -1)
        fn = np.where(index >= 0, self.node_fn[np.maximum(index, 0)], -1)
        valid = fn >= 0
        if not valid.any():
            return []
        sizes = self.snap.self_size[nodes].astype(np.int64)
        uniq, inverse = np.unique(fn[valid], return_inverse=True)
        counts = np.bincount(inverse)
        total = np.bincount(inverse, weights=sizes[valid])
        order = np.argsort(-total, kind="stable")[:top]
        return [TraceSite(self.frame(int(uniq[k])), int(counts[k]), int(total[k]))
                for k in order.tolist()]
