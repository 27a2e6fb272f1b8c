"""Per-object queries on an analysed snapshot: names as DevTools shows them, edges,
retainers in the Retainers view's order, paths to a root, dominators, a class's instances.
Lazy: nothing here builds a Python object per heap node."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property
from typing import TypeVar

import numpy as np

from leaktui.snapshot import classes as cls
from leaktui.snapshot import kernels as k
from leaktui.snapshot._base import SnapshotData
from leaktui.snapshot.strings import StringTable, text_order_key

NO_DISTANCE = k.NO_DISTANCE
_JS_PARSE_INT = re.compile(r"^\s*([+-]?\d+)")
_ID_SCAN_CHUNK = 1 << 22  # ids compared at once by `find_ordinal` (4M: a 4 MB mask)
T = TypeVar("T")


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



class IdLookups(SnapshotData):
    """Objects by V8 id: what an older snapshot of a series is asked (lean.py keeps only
    what these need)."""

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        """The value remembered under ``key`` for this snapshot, computed by ``compute()`` the
        first time: the one way an analysis outside this class keeps a per-snapshot result
        (`snap.cached("suspect_closures", lambda: ...)`). Keys are namespaced by the caller
        (`script_names`, `suspect_chains`, ...). Two threads asking at once may both compute;
        the first value stored wins and is the one both get."""
        store: dict[str, object] = self.__dict__.setdefault("_analysis_cache", {})
        if key not in store:
            value = compute()
            store.setdefault(key, value)
        return store[key]  # type: ignore[return-value]

    def forget(self, key: str) -> None:
        """Let go of what `cached` remembers under ``key`` (computed again if asked)."""
        self.__dict__.get("_analysis_cache", {}).pop(key, None)

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
        if sorted_ids.dtype == np.uint32:  # a merge: the keys are mostly increasing
            return k.ordinals_of_sorted_ids(sorted_ids, np.ascontiguousarray(order,
                                                                             dtype=np.int64),
                                            np.ascontiguousarray(ids))
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

    def find_ordinal(self, node_id: int) -> int | None:
        """`ordinal_of_id` for one id asked now and then (the TUI's go-to): the sorted ids
        when a comparison or batch lookup already built them, else a scan of the id column
        (a compiled pass that stops at the hit: ~22 ms on 73M nodes at worst; numpy's masks,
        in chunks, for ids wider than 32 bits) instead of sorting it on the keypress (a
        second on the giant file, and 12 bytes a node kept)."""
        if "_ids_sorted" in self.__dict__:
            return self.ordinal_of_id(node_id)
        ids = self.node_id
        if not 0 <= node_id <= np.iinfo(ids.dtype).max:
            return None
        if ids.dtype == np.uint32 and ids.flags.c_contiguous:
            found = k.first_index_of(ids, node_id)
            return None if found < 0 else found
        key = ids.dtype.type(node_id)
        for start in range(0, ids.size, _ID_SCAN_CHUNK):
            hits = np.flatnonzero(ids[start:start + _ID_SCAN_CHUNK] == key)
            if hits.size:
                return start + int(hits[0])
        return None

    @cached_property
    def max_js_object_id(self) -> int:
        """Largest odd (V8 heap) id: objects allocated later have larger ids."""
        odd = self.node_id[(self.node_id & 1) == 1]
        return int(odd.max()) if odd.size else 0


class ObjectQueries(IdLookups):
    """What the views and detectors ask about single objects, edges and classes."""

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
        return self.first_retainers(node, -1)[0]

    def first_retainers(self, node: int, limit: int) -> tuple[list[tuple[int, int]], int]:
        """(the first ``limit`` (edge, retaining node) pairs of `retainers(node)`, how many
        there are in all); ``limit`` < 0: all of them. Only the retainers that can be among
        the first (no farther from a root than the ``limit``-th nearest) are named and
        sorted, and equal names are looked up once: a page of an object held by millions
        costs one vectorised pass over its retainer slots."""
        lo, hi = int(self.first_retainer[node]), int(self.first_retainer[node + 1])
        edges = self.retaining_edges[lo:hi].astype(np.int64)
        # a node's retainer edges come in (reverse) edge order: each source is a short
        # gallop from the previous one's, not a search of every offset
        sources = k.sources_from(self.first_edge, edges)
        edges, sources, distance = k.retainer_rows(edges, sources, self.edge_type,
                                                   self.distance, self.root, self.E_WEAK)
        total = int(edges.size)
        if 0 <= limit < total:
            if limit == 0:
                return [], total
            cut = np.partition(distance, limit - 1)[limit - 1]
            nearer = np.flatnonzero(distance < cut)
            ties = np.flatnonzero(distance == cut)
            need = limit - nearer.size
            if ties.size > need:  # the ties' first names, from the raw strings
                keys = self._name_order_keys(sources[ties])
                ties = ties[keys <= np.partition(keys, need - 1)[need - 1]]
            keep = np.union1d(nearer, ties)  # sorted: the slots keep their order
            edges, sources, distance = edges[keep], sources[keep], distance[keep]
        ranks = self._name_ranks(sources)
        order = np.lexsort((np.arange(edges.size), ranks, distance))
        if limit >= 0:
            order = order[:limit]
        return list(zip(edges[order].tolist(), sources[order].tolist(), strict=True)), total

    def _named_by_their_edges(self, nodes: np.ndarray) -> np.ndarray:
        """Which of ``nodes`` `name()` builds (cons strings, plain objects `{a, b}`) rather
        than reads from the string table."""
        types = self.node_type[nodes]
        special = types == self.T_CONS
        objects = np.flatnonzero(types == self.T_OBJECT)
        if objects.size:
            plain = np.isin(self.node_name[nodes[objects]], self._string_indexes("Object"))
            special[objects[plain]] = True
        return special

    def _name_order_keys(self, nodes: np.ndarray) -> np.ndarray:
        """Per node, a uint64 that never contradicts the order of their `name()`s (their
        first 8 bytes of UTF-8): what a partial selection by name can cut on before any name
        is decoded."""
        special = self._named_by_their_edges(nodes)
        keys = np.empty(nodes.size, dtype=np.uint64)
        sidx = self.display_name_index[nodes].astype(np.int64)
        table = self.string_table
        in_strings = ~special & (sidx < table.base)
        if isinstance(self.strings, StringTable) and table.strings is self.strings:
            keys[in_strings] = self.strings.order_keys(sidx[in_strings])
        else:
            in_strings[:] = False
        for i in np.flatnonzero(~in_strings).tolist():
            keys[i] = text_order_key(self.name(int(nodes[i])))
        return keys

    def _name_ranks(self, nodes: np.ndarray) -> np.ndarray:
        """Each node's `name()` as its rank among the distinct names of ``nodes`` (equal
        names, equal ranks; Python's string order). Names that are a string of the table
        are looked up once per string; cons strings and plain objects one by one."""
        special = self._named_by_their_edges(nodes)
        texts: list[str] = []
        key = np.empty(nodes.size, dtype=np.int64)
        simple = np.flatnonzero(~special)
        if simple.size:
            sidx, inverse = np.unique(self.display_name_index[nodes[simple]],
                                      return_inverse=True)
            texts = [self.string_table[int(i)] for i in sidx.tolist()]
            key[simple] = inverse.reshape(-1)
        for i in np.flatnonzero(special).tolist():
            key[i] = len(texts)
            texts.append(self.name(int(nodes[i])))
        rank_of_text = {t: r for r, t in enumerate(sorted(set(texts)))}
        ranks = np.array([rank_of_text[t] for t in texts], dtype=np.int64)
        return ranks[key] if key.size else key

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
        cache: dict[int, np.ndarray] = self.cached("class_top", dict)
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
            order = np.lexsort((self.node_id[nodes], -self.retained_size[nodes].astype(np.int64)))
            return nodes[order]
        sizes = self.retained_size[nodes]
        threshold = np.partition(sizes, nodes.size - k)[nodes.size - k]
        above = nodes[sizes > threshold]
        ties = nodes[sizes == threshold]
        ties = ties[np.argsort(self.node_id[ties], kind="stable")][:k - above.size]
        top = np.concatenate([above, ties])
        return top[np.lexsort((self.node_id[top], -self.retained_size[top].astype(np.int64)))]

    def instances(self, class_id: int) -> np.ndarray:
        """Ordinals of a class's objects (non-zero self size), largest retained first, then
        by id, as DevTools lists them (all of them sorted: the TUI asks `class_top`)."""
        members = self.class_members(class_id)
        return self.largest(members, members.size)
