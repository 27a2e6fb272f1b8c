"""HeapSnapshot: the analysed heap graph as flat numpy arrays, with DevTools' numbers.

The facade over the parts, each in its own module: `pipeline` (DevTools' analysis, run by the
constructor), `naming` (classes), `statistics` (Summary rows, Statistics view) and `objects`
(per-object queries). `load_snapshot(path)` reads, validates and analyses a file.
"""

from __future__ import annotations

import time

import numpy as np

from leaktui.snapshot.loader import ProgressCallback, RawSnapshot
from leaktui.snapshot.naming import ClassNaming, Location, export_key, first_sized_node
from leaktui.snapshot.objects import EdgeSources, ObjectQueries, sources_of_edges
from leaktui.snapshot.pipeline import Pipeline, Timings
from leaktui.snapshot.statistics import (
    BASE_SYSTEM_DISTANCE,
    NO_DISTANCE,
    ClassRow,
    SnapshotStatistics,
    Statistics,
)

__all__ = [
    "BASE_SYSTEM_DISTANCE",
    "NO_DISTANCE",
    "ClassRow",
    "EdgeSources",
    "HeapSnapshot",
    "Location",
    "Statistics",
    "export_key",
    "first_sized_node",
    "load_snapshot",
    "sources_of_edges",
]

OFFSETS_32_BIT_LIMIT = 2**32 - 1
"""Edge counts below this get uint32 CSR offsets; larger snapshots int64 (a test lowers it to
run the int64 kernels on small files)."""


class HeapSnapshot(Pipeline, ClassNaming, SnapshotStatistics, ObjectQueries):
    """An analysed snapshot. Arrays are indexed by node ordinal or edge ordinal."""

    def __init__(self, raw: RawSnapshot, progress: ProgressCallback | None = None) -> None:
        self.path = raw.path
        self.raw = raw
        self.header = raw.header
        self.layout = lay = raw.layout
        self.strings = raw.strings
        self.timings = Timings()
        self._progress = progress
        nodes, edges = raw.nodes, raw.edges
        self.node_count = int(nodes.shape[1])
        self.edge_count = int(edges.shape[1])
        self.node_type_names = lay.node_type_names
        self.edge_type_names = lay.edge_type_names + ["invisible"]
        self.node_type = nodes[lay.node_type].astype(np.uint8)
        self.node_name = nodes[lay.node_name]
        self.node_id = nodes[lay.node_id]
        self.self_size = nodes[lay.node_self_size]  # adjusted in place by the folding step
        # Offsets fit in 32 bits unless the snapshot has 4G edges.
        offset_type = np.uint32 if self.edge_count < OFFSETS_32_BIT_LIMIT else np.int64
        self.first_edge = np.zeros(self.node_count + 1, dtype=offset_type)
        np.cumsum(nodes[lay.node_edge_count], out=self.first_edge[1:])
        self.trace_node_id = nodes[lay.node_trace_node_id] if lay.node_trace_node_id >= 0 else None
        self._initial_detach = (nodes[lay.node_detachedness].astype(np.uint8)
                                if lay.node_detachedness >= 0 else None)
        # Rows of the node matrix that are done with are reused rather than new arrays made:
        # the raw sizes go where the edge counts were, the display names where the types were.
        self._raw_size_row = nodes[lay.node_edge_count]
        self._raw_size_row[:] = self.self_size
        self._spare_node_row = nodes[lay.node_type]
        self._spare_rows = []  # more node rows that are done with, reused for class arrays
        if lay.node_detachedness >= 0:
            self._spare_rows.append(nodes[lay.node_detachedness])
        if lay.node_trace_node_id >= 0 and not raw.header.trace_function_count:
            self._spare_rows.append(nodes[lay.node_trace_node_id])
            self.trace_node_id = None
        self.edge_type = edges[lay.edge_type].astype(np.uint8)
        self.edge_name = edges[lay.edge_name]
        self.edge_to = edges[lay.edge_to]
        self._spare_edge_row = edges[lay.edge_type]  # becomes the retainers' edge array
        root_index = raw.header.root_index
        self.root = 0 if root_index is None else root_index // lay.node_fields
        self.extra_native_bytes = int(raw.header.extra_native_bytes or 0)

        def t(name: str) -> int:
            return lay.node_type_names.index(name) if name in lay.node_type_names else -1

        def et(name: str) -> int:
            return self.edge_type_names.index(name) if name in self.edge_type_names else -1

        self.T_HIDDEN, self.T_ARRAY, self.T_STRING = t("hidden"), t("array"), t("string")
        self.T_OBJECT, self.T_CODE, self.T_CLOSURE = t("object"), t("code"), t("closure")
        self.T_REGEXP, self.T_NATIVE, self.T_SYNTHETIC = t("regexp"), t("native"), t("synthetic")
        self.T_CONS, self.T_SLICED = t("concatenated string"), t("sliced string")
        self.E_CONTEXT, self.E_ELEMENT = et("context"), et("element")
        self.E_PROPERTY, self.E_INTERNAL = et("property"), et("internal")
        self.E_HIDDEN, self.E_SHORTCUT = et("hidden"), et("shortcut")
        self.E_WEAK = et("weak")
        self._analyse()


def load_snapshot(path: str, progress: ProgressCallback | None = None) -> HeapSnapshot:
    """Read, validate and analyse a snapshot file (plain or gzip)."""
    from leaktui.snapshot.loader import load_raw

    started = time.perf_counter()
    raw = load_raw(path, progress)
    read_time = time.perf_counter() - started
    snap = HeapSnapshot(raw, progress)
    snap.timings.phases = {"read": read_time, **snap.timings.phases}
    # Allocation stacks (snapshots taken with allocation tracking) are checked now, so broken
    # trace data is the file's one error at load rather than a surprise in a later view.
    from leaktui.snapshot.traces import AllocationTraces

    if AllocationTraces.available(snap):
        started = time.perf_counter()
        AllocationTraces.of(snap)
        snap.timings.phases["allocation traces"] = time.perf_counter() - started
    return snap
