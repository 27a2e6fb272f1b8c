"""HeapSnapshot: the analysed heap graph as flat numpy arrays, with DevTools' numbers.

`analyse(raw)` runs DevTools' pipeline in DevTools' order (HeapSnapshot.ts `initialize`):
retainers -> DOM state -> flags -> essential edges -> shallow-size folding -> dominators and
retained sizes -> distances -> class names and interfaces -> aggregates -> statistics.
Per-object access is lazy: nothing here builds a Python object per heap node.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from leaktui.snapshot import classes as cls
from leaktui.snapshot import kernels as k
from leaktui.snapshot.loader import ProgressCallback, RawSnapshot

_EPHEMERON = re.compile(
    r"^\d+(?P<dup> / part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap "
    r"\(table @(?P<table>\d+)\))$"
)
_JS_PARSE_INT = re.compile(r"^\s*([+-]?\d+)")

_WANTED_STRINGS = (
    "system / ExternalStringData", "(Document DOM trees)", "system / NativeContext",
    "sloppy_function_map", "(map descriptors)", "Object", "system / JSArrayBufferData",
    "Array", "elements",
)

NO_DISTANCE = k.NO_DISTANCE
BASE_SYSTEM_DISTANCE = k.BASE_SYSTEM_DISTANCE


def sources_of_edges(first_edge: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Source node of each edge. The keys take the offsets' dtype: with a mismatch numpy
    would convert the whole offsets array on every call."""
    keys = np.asarray(edges).astype(first_edge.dtype, copy=False)
    return (np.searchsorted(first_edge, keys, side="right") - 1).astype(np.int64)


class EdgeSources:
    """``retaining_nodes[r]``: the node holding retainer edge ``r``, computed on access from
    the CSR offsets instead of stored (supports ints, slices and index arrays)."""

    def __init__(self, first_edge: np.ndarray, retaining_edges: np.ndarray) -> None:
        self._first_edge = first_edge
        self._edges = retaining_edges

    def __len__(self) -> int:
        return int(self._edges.shape[0])

    def __getitem__(self, index: int | slice | np.ndarray) -> np.ndarray | int:
        edges = self._edges[index]
        src = sources_of_edges(self._first_edge, edges)
        return int(src) if np.ndim(src) == 0 else src.astype(np.uint32)


@dataclass(frozen=True)
class ClassRow:
    """One row of the Summary: a class as DevTools groups it."""

    class_id: int
    key: str  # DevTools' exported class key: ",Name" or "script,line,col,Name"
    name: str
    count: int
    self_size: int
    retained_size: int
    distance: int  # minimum over instances; NO_DISTANCE or >= BASE_SYSTEM_DISTANCE: none

    @property
    def has_distance(self) -> bool:
        return 0 <= self.distance < BASE_SYSTEM_DISTANCE


@dataclass(frozen=True)
class Statistics:
    """DevTools' Statistics view (adjusted self sizes)."""

    total: int
    native_total: int
    typed_arrays: int
    v8heap_total: int
    code: int
    strings: int
    js_arrays: int
    system: int

    @property
    def other_js(self) -> int:
        return self.v8heap_total - self.code - self.strings - self.js_arrays - self.system

    @property
    def other_native(self) -> int:
        return self.native_total - self.typed_arrays

    def as_dict(self) -> dict[str, int]:
        return {
            "total": self.total, "code": self.code, "strings": self.strings,
            "js_arrays": self.js_arrays, "typed_arrays": self.typed_arrays,
            "system": self.system, "other_js": self.other_js,
            "other_native": self.other_native, "native_total": self.native_total,
            "v8heap_total": self.v8heap_total,
        }


@dataclass(frozen=True)
class Location:
    script_id: int
    line: int  # 0-based, as in the file
    column: int  # 0-based


@dataclass
class Timings:
    phases: dict[str, float] = field(default_factory=dict)

    def record(self, phase: str, started: float) -> float:
        now = time.perf_counter()
        self.phases[phase] = self.phases.get(phase, 0.0) + now - started
        return now


class HeapSnapshot:
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
        offset_type = np.uint32 if self.edge_count < 2**32 - 1 else np.int64
        self.first_edge = np.zeros(self.node_count + 1, dtype=offset_type)
        np.cumsum(nodes[lay.node_edge_count], out=self.first_edge[1:])
        self.trace_node_id = nodes[lay.node_trace_node_id] if lay.node_trace_node_id >= 0 else None
        self._initial_detach = (nodes[lay.node_detachedness].astype(np.uint8)
                                if lay.node_detachedness >= 0 else None)
        # Rows of the node matrix that are done with are reused rather than new arrays made:
        # the raw sizes go where the edge counts were, the display names where the types were.
        self.raw_self_size = nodes[lay.node_edge_count]
        self.raw_self_size[:] = self.self_size
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

    # ------------------------------------------------------------------ pipeline
    def _step(self, phase: str, fraction: float) -> None:
        if self._progress is not None:
            self._progress(phase, fraction)

    def _analyse(self) -> None:
        # Two cores: like DevTools' second worker, the reverse graph is built on another
        # thread while the flags, essential edges and folded sizes are computed (the JIT
        # kernels release the GIL).
        with ThreadPoolExecutor(max_workers=1) as pool:
            t0 = time.perf_counter()
            self._step("building retainers", 0.0)
            retainers = pool.submit(k.build_retainers, self.edge_to, self.first_edge,
                                    self.node_count, self._spare_edge_row)
            del self._spare_edge_row
            self._step("propagating DOM state", 0.1)
            self.detachedness = self._initial_detachedness()
            self.renamed_detached = k.propagate_dom_state(
                self.node_type, self.detachedness, self.first_edge, self.edge_type,
                self.edge_to, self.T_NATIVE, self.E_HIDDEN, self.E_WEAK)
            t0 = self.timings.record("dom state", t0)

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
            t0 = self.timings.record("essential edges", t0)

            self._step("folding shallow sizes", 0.3)
            self._fold_shallow_sizes()
            t0 = self.timings.record("shallow sizes", t0)
            self.first_retainer, retaining_nodes, self.retaining_edges = retainers.result()
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

            # One after the other: in parallel their scratch arrays would raise the peak.
            self._step("computing distances", 0.6)
            self.distance = self._distances(np.zeros(self.node_count, dtype=np.bool_))
            t0 = self.timings.record("distances", t0)
            self._step("naming classes", 0.7)
            self._compute_classes()
            t0 = self.timings.record("classes", t0)
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

    def _fold_shallow_sizes(self) -> None:
        if not len(self.user_roots):
            return  # "expose internals" snapshots keep raw sizes, as DevTools does
        name_esd = self._string_indexes("system / ExternalStringData")
        candidate = (self.node_type == self.T_HIDDEN) | (self.node_type == self.T_ARRAY)
        if name_esd.size:
            candidate |= ((self.node_type == self.T_NATIVE) & np.isin(self.node_name, name_esd)
                          & ~self.renamed_detached)
        no_transfer = self.node_type == self.T_SYNTHETIC
        no_transfer[self.root] = True
        k.fold_shallow_sizes(self.self_size, candidate, self.first_edge, self.edge_type,
                             self.edge_to, self.E_WEAK, no_transfer)

    @cached_property
    def _wanted_strings(self) -> dict[str, list[int]]:
        """Indexes of the few strings the rules test for, found in one pass."""
        return self.strings.indexes_of(_WANTED_STRINGS)

    def _string_indexes(self, text: str) -> np.ndarray:
        """Indexes of every string equal to ``text``."""
        found = self._wanted_strings.get(text)
        if found is None:
            found = self.strings.indexes_of([text])[text]
            self._wanted_strings[text] = found
        return np.asarray(found, dtype=np.uint32)

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
        native_context = self._string_indexes("system / NativeContext")
        nc = np.flatnonzero((self.node_type == self.T_HIDDEN)
                            & np.isin(self.node_name, native_context))
        sloppy = self._string_indexes("sloppy_function_map")
        for v in nc.tolist():
            es = np.arange(self.first_edge[v], self.first_edge[v + 1])
            named = ~np.isin(self.edge_type[es], numeric)
            skip[es[named & np.isin(self.edge_name[es], sloppy)]] = True
        md = np.flatnonzero((self.node_type == self.T_ARRAY)
                            & np.isin(self.node_name, self._string_indexes("(map descriptors)")))
        if md.size:
            es = cls._edges_of(self.first_edge[md], self.first_edge[md + 1])
            values = self.edge_name[es].astype(np.int64)
            named = ~np.isin(self.edge_type[es], numeric)
            if named.any():
                parsed: dict[int, int] = {}
                for s in np.unique(values[named]).tolist():
                    m = _JS_PARSE_INT.match(self.strings[s])
                    parsed[s] = int(m.group(1)) if m else -1  # NaN: never skipped
                values[named] = [parsed[s] for s in values[named].tolist()]
            refuse = (values >= 2) & (values % 3 == 1)
            skip[es[refuse]] = True
        return skip

    def _distances(self, ignored: np.ndarray) -> np.ndarray:
        """DevTools' distances; ``ignored`` nodes are never entered (the Retainers view's
        "ignore this retainer")."""
        return k.distances_bfs(
            self.first_edge, self.edge_type, self.edge_name, self.edge_to, self.user_roots,
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

    # ------------------------------------------------------------------ classes
    def _compute_classes(self) -> None:
        st = cls.ClassNameTable(self.strings)
        ntype = self.node_type
        sidx = self._spare_node_row
        sidx[:] = self.node_name
        del self._spare_node_row
        # Natives renamed "Detached X" get one new string per old name.
        renamed = np.flatnonzero(self.renamed_detached)
        if renamed.size:
            old = sidx[renamed]
            uniq, inv = np.unique(old, return_inverse=True)
            new = np.asarray([st.add("Detached " + self.strings[s], "detached")
                              for s in uniq.tolist()], dtype=np.uint32)
            sidx[renamed] = new[inv]
        self.display_name_index = sidx  # the node's (possibly renamed) raw name
        class_sidx = self._spare_row()
        class_sidx[:] = sidx
        label_of_type = np.full(len(self.node_type_names) + 1, -1, dtype=np.int64)
        for type_index, type_name in enumerate(self.node_type_names):
            if type_index not in (self.T_OBJECT, self.T_NATIVE):
                label = {"hidden": "(system)", "code": "(compiled code)", "closure": "Function",
                         "regexp": "RegExp"}.get(type_name, f"({type_name})")
                label_of_type[type_index] = st.add(label, "class")
        # `<div id="a">` -> `<div>`, `Detached <div id="a">` -> `Detached <div>`.
        used = cls.names_of_types(class_sidx, ntype, self.T_OBJECT, self.T_NATIVE,
                                  st.base + len(st.added))
        tags = self.strings.indexes_starting_with("<", used[:st.base]).tolist()
        tags += [i for i in np.flatnonzero(used[st.base:]) + st.base
                 if st[int(i)].startswith("Detached <")]
        remap_from, remap_to = [], []
        for s_index in sorted(int(i) for i in tags):
            text = st[s_index]
            sp = text.find(" ", 10 if text.startswith("Detached <") else 0)
            remap_from.append(s_index)
            remap_to.append(st.add(text[:sp] + ">" if sp != -1 else text, "class"))
        cls.assign_class_strings(class_sidx, ntype, label_of_type,
                                 np.asarray(remap_from, dtype=np.int64),
                                 np.asarray(remap_to, dtype=np.int64))
        # Plain objects: {a, b} interfaces.
        object_name = self._string_indexes("Object")
        self.plain_objects = np.flatnonzero((ntype == self.T_OBJECT)
                                            & np.isin(self.node_name, object_name))
        self.interfaces = cls.infer_interfaces(
            self.plain_objects, self.strings, self.first_edge, self.edge_type, self.edge_name,
            self.E_PROPERTY)
        self._apply_interfaces(st, class_sidx, self.interfaces)
        self.string_table = st
        self.class_sidx = class_sidx
        self._build_class_ids()

    def _apply_interfaces(self, st: cls.ClassNameTable, class_sidx: np.ndarray,
                          definitions: list[cls.InterfaceDefinition]) -> None:
        shape, per_shape = cls.apply_interfaces(
            definitions, self.plain_objects, self.strings, self.first_edge, self.edge_type,
            self.edge_name, self.E_PROPERTY)
        if self.plain_objects.size == 0:
            return
        shape_sidx = np.asarray([-1 if m is None else st.add(m, "interface")
                                 for m in per_shape], dtype=np.int64)
        values = shape_sidx[shape]
        hit = values >= 0
        raw = self.node_name[self.plain_objects].astype(np.int64)
        class_sidx[self.plain_objects] = np.where(hit, values, raw).astype(class_sidx.dtype)

    @cached_property
    def locations(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(node ordinals ascending, script ids, lines, columns); last entry wins, as in
        DevTools' location map."""
        loc = self.raw.locations
        lay = self.layout
        if loc is None or not loc.size:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty, empty
        nodes = loc[lay.location_object] // np.uint32(lay.node_fields)
        if nodes.size < 2 or bool((nodes[1:] > nodes[:-1]).all()):
            # V8 writes them in node order, once each: nothing to pick.
            result = (nodes.astype(np.int64), loc[lay.location_script].copy(),
                      loc[lay.location_line].copy(), loc[lay.location_column].copy())
        else:
            rev = nodes[::-1]
            uniq, first_in_rev = np.unique(rev, return_index=True)
            pick = nodes.size - 1 - first_in_rev
            result = (uniq.astype(np.int64), loc[lay.location_script][pick],
                      loc[lay.location_line][pick], loc[lay.location_column][pick])
        self.raw.locations = None  # kept here, in node order, from now on
        return result

    def location(self, node: int) -> Location | None:
        nodes, script, line, col = self.locations
        i = int(np.searchsorted(nodes, node))
        if i < nodes.size and nodes[i] == node:
            return Location(int(script[i]), int(line[i]), int(col[i]))
        return None

    def _spare_row(self) -> np.ndarray:
        return self._spare_rows.pop() if self._spare_rows else np.empty(self.node_count,
                                                                        dtype=np.uint32)

    def _build_class_ids(self) -> None:
        self.class_id, self.class_keys, self.class_names = self.class_ids_for(
            self.class_sidx, out=self._spare_row().view(np.int32))

    def class_ids_for(
        self, class_sidx: np.ndarray, out: np.ndarray | None = None
    ) -> tuple[np.ndarray, list[tuple[int, int, int, int]], list[str]]:
        """Class id per node for the given class-name string per node: one id per string
        index, plus one per (location, class) for objects with a location (DevTools'
        classKeyInternal). Returns (ids, keys as (script, line, col, string), names)."""
        st = self.string_table
        used = np.flatnonzero(k.values_used(class_sidx, st.base + len(st.added)))
        id_of_sidx = np.full(st.base + len(st.added), -1, dtype=np.int32)
        id_of_sidx[used] = np.arange(used.size, dtype=np.int32)
        class_id = k.lookup_into(id_of_sidx, class_sidx,
                                 np.empty(class_sidx.shape[0], dtype=np.int32) if out is None
                                 else out)
        keys = [(-1, -1, -1, int(s)) for s in used.tolist()]
        loc_nodes, script, line, col = self.locations
        if loc_nodes.size:
            firsts = cls.located_class_ids(loc_nodes, script, line, col, self.node_type,
                                           self.T_OBJECT, class_sidx, used.size, class_id)
            keys.extend((int(script[f]), int(line[f]), int(col[f]),
                         int(class_sidx[loc_nodes[f]])) for f in firsts.tolist())
        return class_id, keys, [st[s] for (_, _, _, s) in keys]

    def reclassified(self, definitions: list[cls.InterfaceDefinition]) -> np.ndarray:
        """Class-name string per node if plain objects took ``definitions`` (as DevTools does
        to the base snapshot of a comparison)."""
        class_sidx = self.class_sidx.copy()
        self._apply_interfaces(self.string_table, class_sidx, definitions)
        return class_sidx

    def class_key(self, class_id: int) -> str:
        return export_key(self.class_keys[class_id], self.class_names[class_id])

    def exported_classes(
        self, class_id: np.ndarray, keys: list[tuple[int, int, int, int]], names: list[str],
        first: np.ndarray | None = None,
    ) -> dict[str, int]:
        """DevTools exports classes keyed by text; equal texts from different string indexes
        collide and the class met last (first non-empty instance in node order) wins.
        Returns {exported key: class id}, in DevTools' Map insertion order."""
        if first is None:
            first = first_sized_node(class_id, self.self_size, len(keys))
        present = np.flatnonzero(first >= 0)
        winners: dict[str, int] = {}
        for c in present[np.argsort(first[present], kind="stable")].tolist():
            key = export_key(keys[c], names[c])
            winners.pop(key, None)
            winners[key] = c
        return winners

    # ------------------------------------------------------------------ aggregates
    def _aggregate(self) -> None:
        n_classes = len(self.class_keys)
        count, self_total, dist, first = cls.aggregate_classes(
            self.class_id, self.self_size, self.distance, n_classes)
        retained = k.class_retained_sizes(self.first_dominated, self.dominated, self.class_id,
                                          self.self_size, self.retained_size, n_classes,
                                          self.root)
        winners = self.exported_classes(self.class_id, self.class_keys, self.class_names, first)
        rows = [ClassRow(c, key, self.class_names[c], int(count[c]), int(self_total[c]),
                         int(retained[c]), int(dist[c])) for key, c in winners.items()]
        rows.sort(key=lambda r: (-r.retained_size, r.key))
        self.class_rows = rows
        self.class_retained = retained

    def summary(self) -> list[ClassRow]:
        """Every class, largest retained size first (DevTools' Summary)."""
        return self.class_rows

    @cached_property
    def total_size(self) -> int:
        return int(self.retained_size[self.root]) + self.extra_native_bytes

    def _statistics(self) -> Statistics:
        ntype = self.node_type
        size = self.self_size
        by_type = k.sum_by_type(ntype, size, len(self.node_type_names) + 1)

        def of(*types: int) -> int:
            return int(sum(by_type[t] for t in types if t >= 0))

        system = of(self.T_HIDDEN)
        native_mask = ntype == self.T_NATIVE
        native = self.extra_native_bytes + of(self.T_NATIVE)
        jsab = self._string_indexes("system / JSArrayBufferData")
        typed = 0
        if jsab.size:
            natives = np.flatnonzero(native_mask)
            natives = natives[np.isin(self.display_name_index[natives], jsab)]
            typed = int(size[natives].sum(dtype=np.int64))
        code = of(self.T_CODE)
        strings = of(self.T_STRING, self.T_CONS, self.T_SLICED)
        excluded = [t for t in (self.T_HIDDEN, self.T_NATIVE, self.T_CODE, self.T_STRING,
                                self.T_CONS, self.T_SLICED) if t >= 0]
        is_array_name = np.zeros(len(self.strings), dtype=np.bool_)
        is_array_name[self._string_indexes("Array")] = True
        is_elements = np.zeros(len(self.strings), dtype=np.bool_)
        is_elements[self._string_indexes("elements")] = True
        skip_type = np.zeros(len(self.node_type_names) + 1, dtype=np.bool_)
        skip_type[excluded] = True
        js_arrays = k.js_array_sizes(ntype, self.node_name, is_array_name, skip_type,
                                     self.first_edge, self.edge_type, self.edge_name,
                                     self.edge_to, self.first_retainer, size, self.E_INTERNAL,
                                     is_elements)
        return Statistics(total=self.total_size, native_total=native, typed_arrays=typed,
                          v8heap_total=self.total_size - native, code=code, strings=strings,
                          js_arrays=js_arrays, system=system)

    # ------------------------------------------------------------------ per-object access
    @cached_property
    def _ids_sorted(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.node_id, kind="stable")
        return self.node_id[order], order

    def ordinals_of_ids(self, ids: np.ndarray) -> np.ndarray:
        """Ordinal of each id (-1 when absent), vectorised binary search over sorted ids."""
        sorted_ids, order = self._ids_sorted
        if sorted_ids.size == 0:
            return np.full(len(ids), -1, dtype=np.int64)
        ids = np.asarray(ids, dtype=np.int64)
        keys = np.clip(ids, 0, np.iinfo(sorted_ids.dtype).max).astype(sorted_ids.dtype)
        pos = np.searchsorted(sorted_ids, keys)  # same dtype: no copy of the id array
        np.minimum(pos, sorted_ids.size - 1, out=pos)
        found = sorted_ids[pos] == ids
        return np.where(found, order[pos], -1).astype(np.int64)

    def ordinal_of_id(self, node_id: int) -> int | None:
        ids, order = self._ids_sorted
        if not 0 <= node_id <= np.iinfo(ids.dtype).max:
            return None
        i = int(np.searchsorted(ids, ids.dtype.type(node_id)))
        if i < ids.size and int(ids[i]) == node_id:
            return int(order[i])
        return None

    def type_name(self, node: int) -> str:
        t = int(self.node_type[node])
        return self.node_type_names[t] if t < len(self.node_type_names) else f"(type {t})"

    def raw_name(self, node: int) -> str:
        return self.string_table[int(self.display_name_index[node])]

    def class_name(self, node: int) -> str:
        return self.class_names[int(self.class_id[node])]

    def name(self, node: int) -> str:
        """The name DevTools shows for an object: cons strings flattened, plain objects as
        `{a, b, …}`, detached natives prefixed."""
        t = int(self.node_type[node])
        if t == self.T_CONS:
            return self._cons_string_name(node)
        if t == self.T_OBJECT and self.strings[int(self.node_name[node])] == "Object":
            return self._plain_object_name(node)
        return self.raw_name(node)

    def _cons_string_name(self, node: int) -> str:
        stack = [node]
        out: list[str] = []
        length = 0
        while stack and length < 1024:
            v = stack.pop()
            if int(self.node_type[v]) != self.T_CONS:
                s = self.raw_name(v)
                out.append(s)
                length += len(s)
                continue
            first = second = 0
            for e in self.edges(v):
                if int(self.edge_type[e]) == self.E_INTERNAL:
                    nm = self.strings[int(self.edge_name[e])]
                    if nm == "first":
                        first = int(self.edge_to[e])
                    elif nm == "second":
                        second = int(self.edge_to[e])
            stack.append(second)
            stack.append(first)
        return "".join(out)

    def _plain_object_name(self, node: int) -> str:
        names = [self.strings[int(self.edge_name[e])] for e in self.edges(node)
                 if int(self.edge_type[e]) == self.E_PROPERTY]
        names = [cls.format_property_name(n) for n in names if n != "__proto__"]
        start, end = "{", "}"
        lo, hi = 0, len(names) - 1
        from_end = False
        while lo <= hi:
            formatted = names[hi] if from_end else names[lo]
            if len(start) > 1 and len(start) + len(end) + len(formatted) > 100:
                break
            if from_end:
                hi -= 1
                end = (", " if len(end) > 1 else "") + end
                end = formatted + end
            else:
                lo += 1
                start += (", " if len(start) > 1 else "") + formatted
            from_end = not from_end
        if lo <= hi:
            start += ", …"
        if len(end) > 1:
            start += ", "
        return start + end

    def edges(self, node: int) -> range:
        return range(int(self.first_edge[node]), int(self.first_edge[node + 1]))

    def edge_type_name(self, edge: int) -> str:
        return self.edge_type_names[int(self.edge_type[edge])]

    def edge_name_text(self, edge: int) -> str:
        t = int(self.edge_type[edge])
        value = int(self.edge_name[edge])
        if t in (self.E_ELEMENT, self.E_HIDDEN):
            return str(value)
        name = self.strings[value]
        if t == self.E_SHORTCUT:
            m = _JS_PARSE_INT.match(name)
            if m:
                return str(int(m.group(1)))
        return name

    def edge_label(self, edge: int) -> str:
        """DevTools' edge rendering: `.prop`, `[3]`, `->ctx`, `{internal}`, `[[weak]]`."""
        name = self.edge_name_text(edge)
        t = self.edge_type_name(edge)
        if t == "context":
            return "->" + name
        if t == "element":
            return f"[{name}]"
        if t == "weak":
            return f"[[{name}]]"
        if t in ("property", "shortcut"):
            return "." + name if " " not in name else f'["{name}"]'
        return "{" + name + "}"

    def edge_source(self, edge: int) -> int:
        return int(sources_of_edges(self.first_edge, np.asarray([edge]))[0])

    def edge_sources(self, edges: np.ndarray) -> np.ndarray:
        """The node each edge leaves from (binary search over the CSR offsets)."""
        return sources_of_edges(self.first_edge, edges)

    def retainer_slots(self, node: int) -> range:
        return range(int(self.first_retainer[node]), int(self.first_retainer[node + 1]))

    def retainers(self, node: int) -> list[tuple[int, int]]:
        """(edge, retaining node) pairs in DevTools' Retainers order: weak edges and the root
        left out; nearest to a root first (system/unreachable after), then by name."""
        rows = []
        for r in self.retainer_slots(node):
            src = int(self.retaining_nodes[r])
            e = int(self.retaining_edges[r])
            if src == self.root or int(self.edge_type[e]) == self.E_WEAK:
                continue
            rows.append((self._retainer_sort_distance(src), self.name(src), r, e, src))
        rows.sort(key=lambda x: (x[0], x[1], x[2]))
        return [(e, src) for (_, _, _, e, src) in rows]

    def _retainer_sort_distance(self, node: int) -> int:
        d = int(self.distance[node])
        if d == NO_DISTANCE:
            return k.BASE_UNREACHABLE_DISTANCE + d
        return d

    def path_to_root(self, node: int, max_len: int = 10_000) -> list[int]:
        """Edges of a shortest path from a user root (e.g. `global`) to ``node``."""
        path = k.shortest_retainer_path(
            node, self.distance, self.first_retainer, self.first_edge,
            self.retaining_edges, self.edge_type, self.E_WEAK, self.root, max_len)
        return [int(e) for e in path]

    def path_names(self, node: int) -> list[str]:
        """Edge names from the user root down to ``node`` (e.g. ["cache", "table", ...])."""
        return [self.edge_name_text(e) for e in self.path_to_root(node)]

    def dominator_chain(self, node: int) -> list[int]:
        chain = [node]
        while chain[-1] != self.root and len(chain) < self.node_count:
            chain.append(int(self.dominator[chain[-1]]))
        return chain

    def dominated_by(self, node: int) -> np.ndarray:
        return self.dominated[self.first_dominated[node]:self.first_dominated[node + 1]]

    @cached_property
    def _members(self) -> tuple[np.ndarray, np.ndarray]:
        """(offsets, ordinals): every class's objects, grouped in one pass (4 bytes a node)."""
        offsets, nodes = k.members_by_class(self.class_id, self.self_size, len(self.class_names))
        nodes.flags.writeable = False  # class_members hands out views of it
        return offsets, nodes

    def class_members(self, class_id: int) -> np.ndarray:
        """Ordinals (int32, read-only view) of a class's objects (non-zero self size), in
        node order."""
        offsets, nodes = self._members
        return nodes[offsets[class_id]:offsets[class_id + 1]]

    def class_top(self, class_id: int, k: int) -> np.ndarray:
        """The first ``k`` instances of a class in DevTools' order, remembered per class."""
        cache: dict[int, np.ndarray] = self.__dict__.setdefault("_class_top", {})
        top = cache.get(class_id)
        if top is None or (len(top) < k and len(top) < self.class_count(class_id)):
            top = self.largest(self.class_members(class_id), k)
            cache[class_id] = top
        return top[:k]

    def class_count(self, class_id: int) -> int:
        offsets, _ = self._members
        return int(offsets[class_id + 1] - offsets[class_id])

    def warm_class_tops(self, min_count: int = 100_000, k: int = 200) -> None:
        """Group objects by class and precompute the first page of every very large class
        (run off the UI thread)."""
        self._members  # noqa: B018 - built here, in the loading worker
        for row in self.class_rows:
            if row.count >= min_count:
                self.class_top(row.class_id, k)

    def largest(self, nodes: np.ndarray, k: int) -> np.ndarray:
        """The ``k`` first of ``nodes`` in DevTools' instance order (retained size desc, id
        asc) without sorting them all: a partition, then a sort of the top only."""
        if k >= nodes.size:
            order = np.lexsort((self.node_id[nodes], -self.retained_size[nodes]))
            return nodes[order]
        sizes = self.retained_size[nodes]
        threshold = np.partition(sizes, nodes.size - k)[nodes.size - k]
        above = nodes[sizes > threshold]
        ties = nodes[sizes == threshold]
        ties = ties[np.argsort(self.node_id[ties], kind="stable")][:k - above.size]
        top = np.concatenate([above, ties])
        return top[np.lexsort((self.node_id[top], -self.retained_size[top]))]

    def instances(self, class_id: int) -> np.ndarray:
        """Ordinals of a class's objects (non-zero self size), largest retained first, then
        by id, as DevTools lists them."""
        members = np.flatnonzero((self.class_id == class_id) & (self.self_size > 0))
        order = np.lexsort((self.node_id[members], -self.retained_size[members]))
        return members[order]

    @cached_property
    def max_js_object_id(self) -> int:
        """Largest odd (V8 heap) id: objects allocated later have larger ids."""
        odd = self.node_id[(self.node_id & 1) == 1]
        return int(odd.max()) if odd.size else 0

    def iter_class_rows(self, top: int | None = None) -> Iterator[ClassRow]:
        rows = self.class_rows if top is None else self.class_rows[:top]
        yield from rows


def export_key(key: tuple[int, int, int, int], name: str) -> str:
    """DevTools' snapshot-independent class key: ",Name" or "script,line,col,Name"."""
    script, line, col, _ = key
    return f",{name}" if script < 0 else f"{script},{line},{col},{name}"


def first_sized_node(class_id: np.ndarray, self_size: np.ndarray, n_classes: int) -> np.ndarray:
    """First node ordinal with non-zero self size of each class (-1 if none)."""
    return k.first_sized_node(class_id, self_size, n_classes)


def analyse(raw: RawSnapshot, progress: ProgressCallback | None = None) -> HeapSnapshot:
    return HeapSnapshot(raw, progress)


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
    from leaktui.profiles.traces import AllocationTraces

    if AllocationTraces.available(snap):
        started = time.perf_counter()
        AllocationTraces.of(snap)
        snap.timings.phases["allocation traces"] = time.perf_counter() - started
    return snap


ProgressFn = Callable[[str, float], None]
