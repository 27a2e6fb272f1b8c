"""DevTools' pipeline in DevTools' order (HeapSnapshot.ts `initialize`): retainers -> DOM
state -> flags -> essential edges -> shallow-size folding -> dominators and retained sizes ->
distances -> class names and interfaces -> aggregates -> statistics. Every pass is a compiled
kernel over flat arrays (kernels.pyx); here they are called in order, with the rows of the file
that are done with handed on as their memory."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from leaktui.snapshot import classes as cls
from leaktui.snapshot import kernels as k
from leaktui.snapshot._base import RawSelfSizes, SnapshotData
from leaktui.snapshot._threads import Beside
from leaktui.snapshot.objects import EdgeSources

if TYPE_CHECKING:
    from leaktui.snapshot.statistics import Statistics

_EPHEMERON = re.compile(
    r"^\d+(?P<dup> / part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap "
    r"\(table @(?P<table>\d+)\))$"
)
JS_PARSE_INT = re.compile(r"^\s*([+-]?\d+)")

DOMINATORS_BESIDE_NODES = 4_000_000
"""Below this many nodes (a snapshot of ~300 MB) the dominators are computed on a second core
beside the distances and classes, with their own scratch arrays and a copy of the edge types,
and the dominator tree is kept for the suspects (8 bytes a node); above it each of those
would add to the peak, and the dominators run alone on idle node rows."""

AFTER_CLASSES: list[Callable[[Any], object]] = []
"""Work a layer above asks for on a small heap, run on a thread of its own from the moment its
classes are done: beside the dominators still being computed on the other core (the loading
thread waits for them), then beside the aggregates and whatever the caller does next (the
suspects). Passes that read the graph, its retainers, distances and classes (not the
dominators, retained sizes, aggregates or statistics: computed meanwhile) and keep what they
find in the snapshot's cache (`cached`). A reader that must not compute one of them again
calls `finish_passes` first, which waits for the thread (the suspects' second thread, which
asks for the longest); one that would rather not wait computes it itself (the first value
stored wins), and what a pass left out is computed when first asked for. A pass that fails
is dropped: the same call made later, by whoever needs its result, raises there. Not run for
a snapshot loaded under `no_passes_beside` (one kept lean in a series, whose cache is not
read)."""

_PASSES_WANTED: ContextVar[bool] = ContextVar("leaktui_passes_wanted", default=True)


@contextmanager
def no_passes_beside() -> Iterator[None]:
    """Snapshots analysed within the block run no `AFTER_CLASSES` passes."""
    token = _PASSES_WANTED.set(False)
    try:
        yield
    finally:
        _PASSES_WANTED.reset(token)


PREFAULT_NODES = 1_000_000
"""From this many nodes (a snapshot of ~70 MB) on a small heap's schedule, the dominator
kernel's work arrays are faulted in on the second core while the essential edges are marked."""

RETAINED_32_BIT_LIMIT = 2**32 - 1
"""Heaps whose self sizes sum to this or less get uint32 retained sizes; larger ones int64 (a
test lowers it to run the int64 path on small files). Readers of `retained_size` widen to
int64 before a difference or a negation."""


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
        def _count_classes(self) -> None: ...
        def _aggregate(self) -> None: ...
        def _statistics(self) -> Statistics: ...

    def _step(self, phase: str, fraction: float) -> None:
        if self._progress is not None:
            self._progress(phase, fraction)

    def _analyse(self) -> None:
        # Two cores: like DevTools' second worker, the reverse graph is built on another
        # thread while the DOM state, flags and folded sizes are computed (the compiled
        # kernels release the GIL).
        self._step("building retainers", 0.0)
        small = self.node_count < DOMINATORS_BESIDE_NODES
        # The retainers' nodes go in the spare uint32 edge row. On a large heap, once the
        # dominators are done with them, their edge ordinals are written over them (or, past
        # 2^32 - 1 edges, into an int64 array): one edge-sized array at a time. On a small
        # one the edge ordinals go into an array of their own, written on the same thread
        # right after (`_retainers_and_their_edges`).
        retainers = Beside(self._retainers_and_their_edges if small else self._retainers,
                           self._spare_edge_row, name="leaktui-retainers")
        del self._spare_edge_row
        try:
            self._before_dominators()
        except BaseException:
            retainers.wait()
            raise
        t0 = time.perf_counter()
        # The retaining nodes are handed on through the snapshot, not a local, so the
        # helper's `del` lets them go.
        self.first_retainer, self._retaining_nodes, edges = retainers.result()
        del retainers
        if edges is not None:
            self.retaining_edges = edges
        del edges
        t0 = self.timings.record("retainers (wait)", t0)
        if small:
            # Later lookups derive a retainer's node from its edge (a binary search), sparing
            # an edge-sized array; on a small heap its edges are ready now, for the passes
            # run while the dominators are computed.
            self.retaining_nodes = EdgeSources(self.first_edge, self.retaining_edges)
            self._dominators_beside_classes(t0)
        else:
            self._dominators_then_classes(t0)
            self.retaining_nodes = EdgeSources(self.first_edge, self.retaining_edges)
        t0 = time.perf_counter()
        # The class retained sizes walk the dominator tree: on a large heap built here (after
        # the classes' temporaries are gone) and let go after (see `dominator_tree`); on a
        # small one it was built beside the classes and is kept for the suspects.
        self._step("aggregating", 0.9)
        self._aggregate()
        self.statistics = self._statistics()
        self.timings.record("aggregates", t0)
        self._step("done", 1.0)

    def _retainers(self, spare_edge_row: np.ndarray) -> tuple[np.ndarray, np.ndarray, None]:
        """The reverse graph: (first retainer per node, retaining node per slot, None)."""
        first_retainer, retaining_nodes = k.build_retainers(
            self.edge_to, self.first_edge, self.node_count, spare_edge_row)
        return first_retainer, retaining_nodes, None

    def _retainers_and_their_edges(
            self, spare_edge_row: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The reverse graph and, in an array of their own, its edge ordinals slot for slot
        (a small heap: one more edge-sized array, written while the main thread computes the
        DOM state, flags and folded sizes rather than after the dominators)."""
        first_retainer, retaining_nodes, _ = self._retainers(spare_edge_row)
        edges = k.retaining_edges_in_place(
            self.edge_to, self.first_edge, first_retainer,
            np.empty(self.edge_count, dtype=self.first_edge.dtype))
        return first_retainer, retaining_nodes, edges

    def _dominators_then_classes(self, t0: float) -> None:
        """A large heap: the dominators alone (the node rows that are done with as their
        scratch, the essential edges marked in the edge types themselves), then the
        distances and classes while the retainers' edge ordinals are written beside them:
        one edge-sized array and the fewest node-sized ones at a time."""
        retaining_nodes = self._retaining_nodes
        del self._retaining_nodes
        self._mark_essential_edges(retaining_nodes, self.edge_type)
        t0 = self.timings.record("essential edges", t0)

        self._step("computing dominators", 0.4)
        scratch_a, scratch_b, scratch_c, scratch_d = self._idle_padded_rows()
        self.dominator, self.retained_size, self.weak_only_count, self.unreachable_count = (
            k.dominators_and_retained(
                self.first_edge, self.edge_to, self.edge_type, self.first_retainer,
                retaining_nodes, self.self_size, self.root,
                scratch_a, scratch_b, scratch_c, scratch_d, self._wide_retained()))
        del scratch_a, scratch_b, scratch_c, scratch_d
        k.clear_essential_bits(self.edge_type)
        t0 = self.timings.record("dominators", t0)

        # The retainers' edge ordinals, on the second core while the distances and classes
        # are computed (neither reads the retainers).
        retaining_edges = Beside(k.retaining_edges_in_place, self.edge_to, self.first_edge,
                                 self.first_retainer, self._retaining_edges_target(
                                     retaining_nodes), name="leaktui-retainers")
        del retaining_nodes
        try:
            self._distances_and_classes(t0)
        except BaseException:
            retaining_edges.wait()
            raise
        t0 = time.perf_counter()
        self.retaining_edges = retaining_edges.result()
        del retaining_edges
        self.timings.record("retaining edges (wait)", t0)

    def _dominators_beside_classes(self, t0: float) -> None:
        """A small heap (memory to spare): the dominators and the dominator tree on a second
        core while the distances and classes are computed (neither reads them). The essential
        edges are marked in a copy of the edge types (one byte an edge), which the classes
        and distances never see, and the dominator kernel has work arrays of its own (made
        beside the marking from PREFAULT_NODES on, else by the kernel). Once the classes are
        named, the `AFTER_CLASSES` passes start on a third thread."""
        retaining_nodes = self._retaining_nodes
        del self._retaining_nodes
        empty = np.zeros(0, dtype=np.uint32)
        # The dominator kernel's eight work arrays, their pages faulted in on the second core
        # while the essential edges are marked (it would otherwise wait): not on the
        # dominators' own time, the analysis' critical path on a small heap (102 MB: the
        # kernel beside the classes 115-127 -> 93-108 ms, `report` 2.5% faster in 40
        # alternating rounds; below PREFAULT_NODES the thread costs what it saves).
        prepared = (Beside(self._dominator_work_arrays, name="leaktui-work-arrays")
                    if self.first_edge.dtype == np.uint32 and self.node_count >= PREFAULT_NODES
                    else None)
        try:
            marked = self.edge_type.copy()
            self._mark_essential_edges(retaining_nodes, marked)
        finally:
            arrays = prepared.result() if prepared is not None else []
        del prepared
        t0 = self.timings.record("essential edges", t0)
        self._step("computing dominators", 0.4)

        def dominate(marked: np.ndarray, retaining_nodes: np.ndarray,
                     arrays: list[np.ndarray]) -> tuple[
                tuple[np.ndarray, np.ndarray, int, int], tuple[np.ndarray, np.ndarray]]:
            # Made beside (scratch, then fresh), or none: the kernel makes its own.
            a, b, c, d = arrays[:4] or [empty] * 4
            fresh = (arrays[4], arrays[5], arrays[6], arrays[7]) if arrays else None
            arrays.clear()  # the thread's arguments hold the list, not the arrays
            found = k.dominators_and_retained(
                self.first_edge, self.edge_to, marked, self.first_retainer, retaining_nodes,
                self.self_size, self.root, a, b, c, d, self._wide_retained(), fresh)
            del a, b, c, d, fresh
            return found, k.dominated_children(found[0], self.root, beside=True)

        beside = Beside(dominate, marked, retaining_nodes, arrays, name="leaktui-dominators")
        del marked, retaining_nodes, arrays
        try:
            self._distances_and_classes(t0)
            t0 = time.perf_counter()
            self._count_classes()
            t0 = self.timings.record("aggregates", t0)
            if AFTER_CLASSES and _PASSES_WANTED.get():
                self._passes = Beside(self._run_passes, name="leaktui-passes")
        except BaseException:
            beside.wait()
            raise
        found, tree = beside.result()
        del beside
        self.dominator, self.retained_size, self.weak_only_count, self.unreachable_count = found
        self._kept_dominator_tree = tree
        self.timings.record("dominators (wait)", t0)

    _passes: Beside[None] | None = None

    def _run_passes(self) -> None:
        """The registered passes (`AFTER_CLASSES`), each on its own: one that fails is
        dropped."""
        for work in list(AFTER_CLASSES):
            try:
                work(self)
            except Exception:  # noqa: BLE001, S112 - see AFTER_CLASSES: raised again later
                continue

    def finish_passes(self) -> None:
        """Wait for the `AFTER_CLASSES` passes still running on this snapshot, if any."""
        passes = self._passes
        if passes is not None:
            passes.wait()
            self._passes = None

    def _dominator_work_arrays(self) -> list[np.ndarray]:
        """Eight zeroed uint32 arrays of N+1, their pages faulted in: `dominators_and_retained`'s
        four scratch arrays, then its four fresh ones (`kernels.written_zeros`)."""
        return [k.written_zeros(self.node_count + 1, np.uint32) for _ in range(8)]

    def _distances_and_classes(self, t0: float) -> None:
        """The distances, then the classes: one after the other, as in parallel their scratch
        arrays would raise the peak."""
        self._step("computing distances", 0.6)
        # Into a node row that is done with (the file's self sizes, once folded) when
        # there is one to spare beyond the two the classes take.
        out = self._spare_rows.pop(0).view(np.int32) if len(self._spare_rows) > 2 else None
        self.distance = self._distances(np.zeros(self.node_count, dtype=np.bool_), out)
        t0 = self.timings.record("distances", t0)
        self._step("naming classes", 0.7)
        self._compute_classes()
        self.timings.record("classes", t0)

    def _wide_retained(self) -> bool:
        """Every retained size is at most the root's, the sum of all self sizes: below 2^32
        they are uint32 (4 bytes a node), else int64."""
        return int(self.self_size.sum(dtype=np.int64)) > RETAINED_32_BIT_LIMIT

    def _retaining_edges_target(self, retaining_nodes: np.ndarray) -> np.ndarray:
        """Where the retainers' edge ordinals go: over their nodes when offsets are uint32."""
        return (retaining_nodes if self.first_edge.dtype == np.uint32
                else np.empty(self.edge_count, dtype=self.first_edge.dtype))

    _held_dominator_tree: tuple[np.ndarray, np.ndarray] | None = None
    _kept_dominator_tree: tuple[np.ndarray, np.ndarray] | None = None

    def dominator_tree(self) -> tuple[np.ndarray, np.ndarray]:
        """The dominator tree as CSR: (first[N+1], children), each node's children in ordinal
        order. Built on demand from the dominators (8 bytes a node, ~0.1 s per 15M nodes) and
        not kept by the snapshot, so what an analysed snapshot holds stays smaller; a caller
        that asks for it many times does so inside `holding_dominator_tree`. Below
        DOMINATORS_BESIDE_NODES the pipeline's own (built beside the classes) is kept until
        the first such block ends (the suspects' "keeps alive" classes)."""
        held = self._held_dominator_tree or self._kept_dominator_tree
        if held is not None:
            return held
        first, children = k.dominated_children(self.dominator, self.root)
        return first, children

    @contextmanager
    def holding_dominator_tree(self) -> Iterator[None]:
        """Within the block, `dominator_tree` is built once and shared; let go at its end."""
        if self._held_dominator_tree is not None:  # an outer block holds it already
            yield
            return
        self._held_dominator_tree = self.dominator_tree()
        try:
            yield
        finally:
            # A tree the pipeline kept (small heaps) has served its readers: let go too.
            self._held_dominator_tree = self._kept_dominator_tree = None

    def _before_dominators(self) -> None:
        """DOM state, flags and folded sizes (while the reverse graph is built beside
        them)."""
        t0 = time.perf_counter()
        self._step("propagating DOM state", 0.1)
        self.detachedness = self._initial_detachedness()
        self.renamed_detached = self._propagate_dom_state()
        t0 = self.timings.record("dom state", t0)

        self._step("marking flags", 0.15)
        self.flags = np.zeros(self.node_count, dtype=np.uint8)
        self._mark_flags()
        t0 = self.timings.record("flags", t0)

        self._step("folding shallow sizes", 0.2)
        self._fold_shallow_sizes()
        self.timings.record("shallow sizes", t0)

    def _mark_essential_edges(self, retaining_nodes: np.ndarray, edge_type: np.ndarray) -> None:
        """The essential edges, marked in ``edge_type`` (the edge types themselves, or a copy
        of them) and the retainers' slots themselves (`kernels.mark_essential_edges`), last
        before the dominators: until those are computed and the marks cleared, nothing else
        reads either. (DevTools finds them before folding the sizes; the two are
        independent.)"""
        self._step("finding essential edges", 0.3)
        table_of_string, pair_of_string = self._ephemeron_tables()
        self.ephemeron_pair_of_string = pair_of_string
        k.mark_essential_edges(
            self.first_edge, edge_type, self.edge_name, self.edge_to, self.node_id,
            self.flags, self.root, self.E_INTERNAL, self.E_WEAK, self.E_SHORTCUT,
            table_of_string, self.first_retainer, retaining_nodes)

    def _propagate_dom_state(self) -> np.ndarray:
        """Detachedness spread from the DOM roots; returns which natives are renamed
        `Detached X`."""
        return k.propagate_dom_state(
            self.node_type, self.detachedness, self.first_edge, self.edge_type,
            self.edge_to, self.T_NATIVE, self.E_HIDDEN, self.E_WEAK)

    def _fold_shallow_sizes(self) -> None:
        self._fold_sizes()
        # The file's sizes (copied into a node row) are kept only where folding changed them;
        # the row becomes a spare one (the dominators' scratch, then the distances).
        raw_row = self._raw_size_row
        del self._raw_size_row
        self.raw_self_size = RawSelfSizes(self.self_size, raw_row)
        self._spare_rows.insert(0, raw_row)

    def _fold_sizes(self) -> None:
        if not len(self.user_roots):
            return  # "expose internals" snapshots keep raw sizes, as DevTools does
        candidate = (self.node_type == self.T_HIDDEN) | (self.node_type == self.T_ARRAY)
        esd = self._nodes_named(self.T_NATIVE, "system / ExternalStringData")
        candidate[esd[~self.renamed_detached[esd]]] = True
        no_transfer = self.node_type == self.T_SYNTHETIC
        no_transfer[self.root] = True
        owners = k.shallow_size_owners(candidate, self.first_edge, self.edge_type, self.edge_to,
                                       self.E_WEAK)
        del candidate
        stop = k.fold_into_owners(self.self_size, owners, no_transfer, 0)
        if stop < self.node_count:
            # An owner's folded size passes 2^32 - 1: the sizes go on in int64 (8 bytes a
            # node, only for such a heap), from the node where uint32 would have wrapped.
            self.self_size = self.self_size.astype(np.int64)
            k.fold_into_owners(self.self_size, owners, no_transfer, stop)

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

    def _distances(self, ignored: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """DevTools' distances; ``ignored`` nodes are never entered (the Retainers view's
        "ignore this retainer"); written into ``out`` (int32, N) if given."""
        return k.distances_bfs(
            self.first_edge, self.edge_type, self.edge_name, self.edge_to, self.user_roots,
            self.root, self.E_WEAK, self.E_INTERNAL, self._distance_static_skip(),
            self.ephemeron_pair_of_string, ignored, out)

    def _idle_padded_rows(self) -> list[np.ndarray]:
        """Four uint32 arrays of N+1 for the dominator kernel's scratch: node rows that are
        done with until the distances and classes are computed (the loader pads each row by
        one value), or empty arrays where there are none."""
        base = self.raw.nodes.base
        rows: list[np.ndarray] = []
        if isinstance(base, np.ndarray) and base.ndim == 2 and \
                base.shape[1] == self.node_count + 1 and base.dtype == np.uint32:
            lay = self.layout
            candidates = (lay.node_detachedness, lay.node_trace_node_id, lay.node_edge_count)
            idle = [lay.node_type] + [i for i in candidates
                                      if i >= 0 and any(np.shares_memory(base[i], r)
                                                        for r in self._spare_rows)]
            rows = [base[i] for i in idle[:4]]
        empty = np.zeros(0, dtype=np.uint32)
        return rows + [empty] * (4 - len(rows))
