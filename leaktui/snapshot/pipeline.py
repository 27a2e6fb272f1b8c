"""DevTools' pipeline in DevTools' order (HeapSnapshot.ts `initialize`): retainers -> DOM
state -> flags -> essential edges -> shallow-size folding -> dominators and retained sizes ->
distances -> class names and interfaces -> aggregates -> statistics. Every pass is a compiled
kernel over flat arrays (kernels.pyx); here they are called in order, with the rows of the file
that are done with handed on as their memory."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from leaktui.snapshot import classes as cls
from leaktui.snapshot import kernels as k
from leaktui.snapshot._base import SnapshotData
from leaktui.snapshot._threads import Beside
from leaktui.snapshot.objects import EdgeSources

if TYPE_CHECKING:
    from leaktui.snapshot.statistics import Statistics

_EPHEMERON = re.compile(
    r"^\d+(?P<dup> / part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap "
    r"\(table @(?P<table>\d+)\))$"
)
JS_PARSE_INT = re.compile(r"^\s*([+-]?\d+)")


_DistanceInputs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int, int,
                        np.ndarray, np.ndarray, np.ndarray]


@dataclass
class Timings:
    phases: dict[str, float] = field(default_factory=dict)

    def record(self, phase: str, started: float) -> float:
        now = time.perf_counter()
        self.phases[phase] = self.phases.get(phase, 0.0) + now - started
        return now



class Pipeline(SnapshotData):
    """The analysis steps of `HeapSnapshot`, run once by its constructor."""

    if TYPE_CHECKING:
        def _compute_classes(self) -> None: ...
        def _aggregate(self) -> None: ...
        def _statistics(self) -> Statistics: ...

    def _step(self, phase: str, fraction: float) -> None:
        if self._progress is not None:
            self._progress(phase, fraction)

    def _analyse(self) -> None:
        # Both cores, like DevTools' second worker: the reverse graph and then the folded
        # shallow sizes are computed on another thread while the flags and essential edges
        # are marked here; the distances are found there while the classes are named here
        # (the compiled kernels release the GIL). The pairs are chosen so that neither
        # raises the load's peak memory: each pair's scratch arrays together stay below the
        # dominator pass's.
        self._step("building retainers", 0.0)
        # Retainer edge ordinals have the offsets' dtype: the spare uint32 edge row holds them
        # unless the snapshot has 2^32 - 1 edges or more (int64 offsets).
        spare = self._spare_edge_row
        if spare.dtype != self.first_edge.dtype:
            spare = np.empty(self.edge_count, dtype=self.first_edge.dtype)
        del self._spare_edge_row
        t0 = time.perf_counter()
        self._step("propagating DOM state", 0.1)
        self.detachedness = self._initial_detachedness()
        self.renamed_detached = self._propagate_dom_state()
        t0 = self.timings.record("dom state", t0)
        folding = self._shallow_size_inputs()
        beside = Beside(self._retainers_and_folded_sizes, spare, folding,
                        name="leaktui-retainers")
        del spare, folding
        try:
            essential = self._flags_and_essential_edges()
            self._step("folding shallow sizes", 0.3)
        except BaseException:
            beside.wait()
            raise
        t0 = time.perf_counter()
        retainers, self_size, fold_time = beside.result()
        del beside
        self.first_retainer, retaining_nodes, self.retaining_edges = retainers
        del retainers
        self.self_size = self_size
        self.timings.phases["shallow sizes"] = fold_time
        t0 = self.timings.record("retainers (wait)", t0)

        self._step("computing dominators", 0.4)
        scratch = self._idle_padded_rows()
        self.dominator, self.retained_size, self.weak_only_count, self.unreachable_count = (
            k.dominators_and_retained(
                self.first_edge, self.edge_to, essential, self.first_retainer,
                retaining_nodes, self.retaining_edges, self.self_size, self.root,
                *scratch))
        del scratch
        del retaining_nodes
        del essential
        # The retaining nodes were needed by the dominator loop only; later lookups derive
        # a retainer's node from its edge (a binary search), sparing an edge-sized array.
        self.retaining_nodes = EdgeSources(self.first_edge, self.retaining_edges)
        t0 = self.timings.record("dominators", t0)

        # The distances (a BFS: its queue and result, fresh arrays) beside the class naming
        # (which reuses the node rows the dominator pass used as scratch).
        self._step("computing distances", 0.6)
        distances = Beside(k.distances_bfs,
                           *self._distance_inputs(np.zeros(self.node_count, dtype=np.bool_)),
                           name="leaktui-distances")
        try:
            self._step("naming classes", 0.7)
            self._compute_classes()
        except BaseException:
            distances.wait()
            raise
        t0 = self.timings.record("classes", t0)
        self.distance = distances.result()
        del distances
        t0 = self.timings.record("distances (wait)", t0)
        # Built last: the classes' temporaries are gone by then (a lower peak).
        self._step("building the dominator tree", 0.85)
        self.first_dominated, self.dominated = k.dominated_children(self.dominator,
                                                                    self.root)
        t0 = self.timings.record("dominator tree", t0)

        self._step("aggregating", 0.9)
        self._aggregate()
        self.statistics = self._statistics()
        self.timings.record("aggregates", t0)
        self._step("done", 1.0)

    def _retainers_and_folded_sizes(
        self, spare: np.ndarray, folding: tuple[np.ndarray, np.ndarray] | None,
    ) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray, float]:
        """On the second thread: the reverse graph, then the shallow sizes folded into their
        owners (neither reads what the flags and essential edges write, nor they what these
        write). Returns (retainers, self sizes, seconds spent folding)."""
        retainers = k.build_retainers(self.edge_to, self.first_edge, self.node_count, spare)
        del spare
        started = time.perf_counter()
        self_size = self.self_size
        if folding is not None:
            self_size = self._folded_sizes(self_size, *folding)
        return retainers, self_size, time.perf_counter() - started

    def _flags_and_essential_edges(self) -> np.ndarray:
        """Flags and essential edges (while the reverse graph is built and the shallow sizes
        are folded beside them); returns the essential-edge mask."""
        t0 = time.perf_counter()
        self._step("marking flags", 0.15)
        self.flags = np.zeros(self.node_count, dtype=np.uint8)
        self._mark_flags()
        t0 = self.timings.record("flags", t0)

        self._step("finding essential edges", 0.2)
        table_of_string, pair_of_string = self._ephemeron_tables()
        self.ephemeron_pair_of_string = pair_of_string
        essential = k.essential_edges(
            self.first_edge, self.edge_type, self.edge_name, self.edge_to, self.node_id,
            self.flags, self.root, self.E_INTERNAL, self.E_WEAK, self.E_SHORTCUT,
            table_of_string)
        del table_of_string
        self.timings.record("essential edges", t0)
        return essential

    def _propagate_dom_state(self) -> np.ndarray:
        """Detachedness spread from the DOM roots; returns which natives are renamed
        `Detached X`."""
        return k.propagate_dom_state(
            self.node_type, self.detachedness, self.first_edge, self.edge_type,
            self.edge_to, self.T_NATIVE, self.E_HIDDEN, self.E_WEAK)

    def _fold_shallow_sizes(self) -> None:
        folding = self._shallow_size_inputs()
        if folding is not None:
            self.self_size = self._folded_sizes(self.self_size, *folding)

    def _shallow_size_inputs(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(which nodes may fold into an owner, which never pass theirs on), or None when
        sizes stay raw: "expose internals" snapshots keep them, as DevTools does."""
        if not len(self.user_roots):
            return None
        candidate = (self.node_type == self.T_HIDDEN) | (self.node_type == self.T_ARRAY)
        esd = self._nodes_named(self.T_NATIVE, "system / ExternalStringData")
        candidate[esd[~self.renamed_detached[esd]]] = True
        no_transfer = self.node_type == self.T_SYNTHETIC
        no_transfer[self.root] = True
        return candidate, no_transfer

    def _folded_sizes(self, self_size: np.ndarray, candidate: np.ndarray,
                      no_transfer: np.ndarray) -> np.ndarray:
        """``self_size`` with the shallow sizes folded into their owners (in place, or a new
        int64 array when an owner's size passes 2^32 - 1). Only compiled kernels and numpy:
        safe on a second thread."""
        owners = k.shallow_size_owners(candidate, self.first_edge, self.edge_type, self.edge_to,
                                       self.E_WEAK)
        del candidate
        stop = k.fold_into_owners(self_size, owners, no_transfer, 0)
        if stop < self.node_count:
            # An owner's folded size passes 2^32 - 1: the sizes go on in int64 (8 bytes a
            # node, only for such a heap), from the node where uint32 would have wrapped.
            self_size = self_size.astype(np.int64)
            k.fold_into_owners(self_size, owners, no_transfer, stop)
        return self_size

    def _initial_detachedness(self) -> np.ndarray:
        if self._initial_detach is not None:
            return self._initial_detach
        det = np.zeros(self.node_count, dtype=np.uint8)
        natives = np.flatnonzero(self.node_type == self.T_NATIVE)
        names = self.node_name[natives]
        detached_names = np.asarray(
            [i for i in np.unique(names).tolist() if self.strings[i].startswith("Detached ")],
            dtype=np.uint32)
        det[natives[np.isin(names, detached_names)]] = 2
        return det

    @cached_property
    def root_edges(self) -> np.ndarray:
        return np.arange(self.first_edge[self.root], self.first_edge[self.root + 1])

    def _is_doc_dom_trees(self, nodes: np.ndarray) -> np.ndarray:
        idx = self._string_indexes("(Document DOM trees)")
        return (self.node_type[nodes] == self.T_SYNTHETIC) & np.isin(self.node_name[nodes], idx)

    @cached_property
    def user_roots(self) -> np.ndarray:
        """The root's children that DevTools treats as user roots (edge order, duplicates kept)."""
        targets = self.edge_to[self.root_edges]
        keep = (self.node_type[targets] != self.T_SYNTHETIC) | self._is_doc_dom_trees(targets)
        return targets[keep].astype(np.uint32)

    def _mark_flags(self) -> None:
        natives = self.node_type == self.T_NATIVE
        self.flags[natives & (self.detachedness == 2)] |= k.FLAG_DETACHED_DOM
        roots = self.edge_to[self.root_edges]
        queryable_seeds = roots[self.node_type[roots] != self.T_SYNTHETIC].astype(np.uint32)
        skip = np.asarray([t for t in (self.E_HIDDEN, self.E_INTERNAL, self.E_WEAK) if t >= 0],
                          dtype=np.int64)
        k.mark_reachable(queryable_seeds, self.first_edge, self.edge_type, self.edge_to, skip,
                         self.flags, k.FLAG_CAN_BE_QUERIED)
        etypes = self.edge_type[self.root_edges]
        page_seeds = roots[(etypes == self.E_SHORTCUT)
                           | ((etypes == self.E_ELEMENT) & self._is_doc_dom_trees(roots))]
        k.mark_reachable(page_seeds.astype(np.uint32), self.first_edge, self.edge_type,
                         self.edge_to, np.asarray([self.E_WEAK], dtype=np.int64), self.flags,
                         k.FLAG_PAGE_OBJECT)

    def _ephemeron_tables(self) -> tuple[np.ndarray, np.ndarray]:
        """Per string: the WeakMap table id its ephemeron edge name names (-1: not one), and
        an id shared by the two edges of one key->value pair (-1: not one)."""
        n = len(self.strings)
        table = np.full(n, -1, dtype=np.int64)
        pair = np.full(n, -1, dtype=np.int32)
        if self.E_INTERNAL < 0:
            return table, pair
        used = k.names_used_by(self.edge_type, self.edge_name, self.E_INTERNAL, n)
        pairs: dict[str, int] = {}
        for s in self.strings.indexes_containing(" / part of key (", used).tolist():
            text = self.strings[s]
            m = _EPHEMERON.match(text)
            if m is None:
                continue
            table[s] = int(m.group("table"))
            pair[s] = pairs.setdefault(m.group("dup"), len(pairs))
        return table, pair

    def _distance_static_skip(self) -> np.ndarray:
        """Edges DevTools' distance filter always refuses: `sloppy_function_map` of the native
        context and the descriptor links of `(map descriptors)` arrays (crbug.com/413608)."""
        skip = np.zeros(self.edge_count, dtype=np.bool_)
        numeric = [self.E_ELEMENT, self.E_HIDDEN]
        nc = self._nodes_named(self.T_HIDDEN, "system / NativeContext")
        sloppy = self._string_indexes("sloppy_function_map")
        for v in nc.tolist():
            es = np.arange(self.first_edge[v], self.first_edge[v + 1])
            named = ~np.isin(self.edge_type[es], numeric)
            skip[es[named & np.isin(self.edge_name[es], sloppy)]] = True
        md = self._nodes_named(self.T_ARRAY, "(map descriptors)")
        if md.size:
            es = cls._edges_of(self.first_edge[md], self.first_edge[md + 1])
            values = self.edge_name[es].astype(np.int64)
            named = ~np.isin(self.edge_type[es], numeric)
            if named.any():
                parsed: dict[int, int] = {}
                for s in np.unique(values[named]).tolist():
                    m = JS_PARSE_INT.match(self.strings[s])
                    parsed[s] = int(m.group(1)) if m else -1  # NaN: never skipped
                values[named] = [parsed[s] for s in values[named].tolist()]
            refuse = (values >= 2) & (values % 3 == 1)
            skip[es[refuse]] = True
        return skip

    def _distances(self, ignored: np.ndarray) -> np.ndarray:
        """DevTools' distances; ``ignored`` nodes are never entered (the Retainers view's
        "ignore this retainer")."""
        return k.distances_bfs(*self._distance_inputs(ignored))

    def _distance_inputs(self, ignored: np.ndarray) -> _DistanceInputs:
        """The arguments of `kernels.distances_bfs` (found here, on the calling thread, so
        that the kernel alone can run on another)."""
        return (self.first_edge, self.edge_type, self.edge_name, self.edge_to, self.user_roots,
                self.root, self.E_WEAK, self.E_INTERNAL, self._distance_static_skip(),
                self.ephemeron_pair_of_string, ignored)

    def _idle_padded_rows(self) -> list[np.ndarray]:
        """Three uint32 arrays of N+1 for the dominator kernel's scratch: node rows that are
        done with until the classes are named (the loader pads each row by one value), or
        empty arrays where there are none."""
        base = self.raw.nodes.base
        rows: list[np.ndarray] = []
        if isinstance(base, np.ndarray) and base.ndim == 2 and \
                base.shape[1] == self.node_count + 1 and base.dtype == np.uint32:
            lay = self.layout
            idle = [lay.node_type] + [i for i in (lay.node_detachedness, lay.node_trace_node_id)
                                      if i >= 0 and any(np.shares_memory(base[i], r)
                                                        for r in self._spare_rows)]
            rows = [base[i] for i in idle[:3]]
        empty = np.zeros(0, dtype=np.uint32)
        return rows + [empty] * (3 - len(rows))
