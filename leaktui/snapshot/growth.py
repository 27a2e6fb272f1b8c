"""Growth across a series of snapshots of one process: survivors and growing holders.

- Survivors (the three-snapshot technique): objects allocated between the first and the second
  snapshot (ids in (maxJSObjectId(S1), maxJSObjectId(S2)]) still alive in the last one, grouped
  by class and by the older object that holds them (nearest dominator that already existed).
- Growing holders: collections present in every snapshot (same id) whose entry count rises
  at each step: a Map that keeps its identity and grows, which a
  birth/death comparison cannot see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from leaktui.snapshot import kernels as k
from leaktui.snapshot._base import search_keys
from leaktui.snapshot._threads import Beside
from leaktui.snapshot.entries import (
    FIXED_ARRAY_HEADER,
    WORD,
    empty_values,
    entry_count,
    hash_entries,
    string_ids,
)
from leaktui.snapshot.graph import HeapSnapshot
from leaktui.snapshot.older import older_summary, summary_of
from leaktui.snapshot.paths import path_text, user_distances

if TYPE_CHECKING:
    from leaktui.snapshot.lean import AnySnapshot

COLLECTION_CLASSES = ("Map", "Set", "Array", "Object", "WeakMap", "WeakSet")
STORAGE_EDGES = ("elements", "table", "properties")
MIN_ELEMENTS = 8
MAX_CANDIDATES = 5000
MIN_SURVIVORS = 10


@dataclass(frozen=True)
class SurvivorGroup:
    class_name: str
    count: int
    size: int  # sum of adjusted self sizes
    holder: int  # ordinal in the last snapshot
    holder_id: int
    holder_class: str
    path: list[str]  # DevTools' edge names from `global` (`paths.path_names`)
    path_text: str = ""  # the holder's path as written everywhere (`paths.path_text`)

    def to_json(self) -> dict[str, object]:
        return {"class": self.class_name, "count": self.count, "size": self.size,
                "holder": {"id": self.holder_id, "class": self.holder_class, "path": self.path,
                           "path_text": self.path_text}}


@dataclass(frozen=True)
class GrowingHolder:
    node: int  # ordinal in the last snapshot
    node_id: int
    class_name: str
    path: list[str]  # DevTools' edge names from `global` (`paths.path_names`)
    counts: list[int]
    retained_sizes: list[int]
    path_text: str = ""  # as written everywhere (`paths.path_text`)

    def to_json(self) -> dict[str, object]:
        return {"id": self.node_id, "class": self.class_name, "path": self.path,
                "path_text": self.path_text,
                "counts": self.counts, "retained_sizes": self.retained_sizes}


ELEMENT_COUNTS = "element_counts"  # the key of `element_counts` in `HeapSnapshot.cached`


def element_counts(snap: HeapSnapshot) -> np.ndarray:
    """Per node: its outgoing non-weak edges or those of its `elements`/`table`/`properties`
    backing store, whichever is more: the number of entries a collection holds (up to a
    constant). V8 lists a JS array's elements both on the array and on its store."""
    return snap.cached(ELEMENT_COUNTS, lambda: _element_counts(snap))


def _element_counts(snap: HeapSnapshot) -> np.ndarray:
    return k.collection_entry_counts(snap.first_edge, snap.edge_type, snap.edge_name,
                                     snap.edge_to, snap.node_type, snap.E_WEAK,
                                     snap.E_INTERNAL, *_storage_masks(snap))


def _storage_masks(snap: HeapSnapshot) -> tuple[np.ndarray, np.ndarray]:
    """(per string: it names a backing store's edge, per node type: a store's type)."""
    found = snap.strings.indexes_of(STORAGE_EDGES)
    is_storage_name = np.zeros(len(snap.strings), dtype=np.bool_)
    for name in STORAGE_EDGES:
        is_storage_name[found[name]] = True
    storage_type = np.zeros(len(snap.node_type_names) + 1, dtype=np.bool_)
    storage_type[[snap.T_ARRAY, snap.T_HIDDEN]] = True
    return is_storage_name, storage_type


KINDS = ("object", "map", "set", "array")  # kind codes of `Collections.kinds` (entries.kind_of)
SUMMARY_CLASSES = (*COLLECTION_CLASSES,)  # with plain objects and `{a, b}` shapes


@dataclass(frozen=True)
class Collections:
    """The collections of one snapshot, as the growing holders and the collection detectors
    read an older snapshot of a series (the `"collections"` older-snapshot summary): every
    object that is a Map, Set, array, plain object or dictionary (`COLLECTION_CLASSES`, plain
    objects, `{a, b}` shapes), with its element count (`element_counts`), its entry count
    (`entries.entry_count`, by its own kind) and its retained size; and the edges that hold
    them (source, type, name), so the collection at the same edge of the same parent is found
    when the one by id is gone (`containers.same_slot`). About 20 bytes per collection and 13
    per edge into one: the collections only, not every node."""

    nodes: np.ndarray  # ordinals, ascending (uint32)
    element_count: np.ndarray  # uint32
    entry_count: np.ndarray  # uint32
    retained: np.ndarray  # int64
    slot_source: np.ndarray  # ordinal of the edge's source, ascending in edge order (uint32)
    slot_type: np.ndarray  # edge type, by name in `edge_type_names` (uint8)
    slot_name: np.ndarray  # numeric name (element, hidden) or index in `slot_texts` (uint32)
    slot_target: np.ndarray  # ordinal of the collection held (uint32)
    slot_texts: dict[str, int]  # other edge names (property, internal, ...), by text
    edge_type_names: list[str]

    @property
    def nbytes(self) -> int:
        arrays = (self.nodes, self.element_count, self.entry_count, self.retained,
                  self.slot_source, self.slot_type, self.slot_name, self.slot_target)
        return sum(a.nbytes for a in arrays) + 64 * len(self.slot_texts)

    def _rows(self, ords: np.ndarray) -> np.ndarray:
        """Row of each ordinal (-1: not a collection there, or -1 given)."""
        ords = np.asarray(ords, dtype=np.int64)
        if self.nodes.size == 0:
            return np.full(ords.size, -1, dtype=np.int64)
        pos = search_keys(ords, self.nodes)
        return np.where((ords >= 0) & (self.nodes[pos] == ords), pos, -1)

    def _pick(self, values: np.ndarray, ords: np.ndarray) -> np.ndarray:
        rows = self._rows(ords)
        return np.where(rows >= 0, values[np.maximum(rows, 0)], 0).astype(np.int64)

    def element_counts(self, ords: np.ndarray) -> np.ndarray:
        """`element_counts` of each ordinal (0 where it is no collection or -1)."""
        return self._pick(self.element_count, ords)

    def entry_counts(self, ords: np.ndarray) -> np.ndarray:
        """`entries.entry_count` of each ordinal (0 where it is no collection or -1)."""
        return self._pick(self.entry_count, ords)

    def retained_sizes(self, ords: np.ndarray) -> np.ndarray:
        return self._pick(self.retained, ords)

    def held_by(self, parent: int, edge_type: str, name: str) -> np.ndarray:
        """Collections ``parent`` holds by an edge of this type and name, in edge order."""
        lo, hi = np.searchsorted(self.slot_source, [parent, parent + 1])
        if lo == hi or edge_type not in self.edge_type_names:
            return np.zeros(0, dtype=np.int64)
        t = self.edge_type_names.index(edge_type)
        if edge_type in ("element", "hidden"):
            key = int(name) if name.isdigit() else -1
        else:
            key = self.slot_texts.get(name, -1)
        if key < 0:
            return np.zeros(0, dtype=np.int64)
        hit = (self.slot_type[lo:hi] == t) & (self.slot_name[lo:hi] == key)
        return self.slot_target[lo:hi][hit].astype(np.int64)


def collection_nodes(snap: HeapSnapshot) -> np.ndarray:
    """Ordinals of the objects `Collections` is about."""
    names = snap.class_names
    by_class = np.asarray([n in SUMMARY_CLASSES or n.startswith("{") for n in names]
                          or [False], dtype=np.bool_)
    mask = by_class[snap.class_id]
    mask[snap.plain_objects] = True
    return np.flatnonzero(mask & (snap.node_type == snap.T_OBJECT))


def _compiled_counts(snap: HeapSnapshot, nodes: np.ndarray, kinds: np.ndarray,
                     masks: tuple[np.ndarray, np.ndarray], proto: np.ndarray,
                     elements: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(`element_counts` of ``nodes``, uint32; their entry counts as far as one compiled pass
    finds them and the stores of arrays of numbers: `_entry_counts`). Compiled kernels only
    (no GIL held): run beside the walk for the edges into them."""
    element_count = k.element_counts_of(nodes, snap.first_edge, snap.edge_type, snap.edge_name,
                                        snap.edge_to, snap.node_type, snap.E_WEAK,
                                        snap.E_INTERNAL, *masks)
    counts, stores = k.plain_entry_counts(
        nodes, kinds, snap.first_edge, snap.edge_type, snap.edge_name, snap.edge_to,
        snap.E_PROPERTY, snap.E_ELEMENT, snap.E_INTERNAL, KINDS.index("object"),
        KINDS.index("array"), proto, elements, empty_values(snap))
    return element_count, counts, stores


def _entry_counts(snap: HeapSnapshot, nodes: np.ndarray, kinds: np.ndarray,
                  counts: np.ndarray, stores: np.ndarray) -> np.ndarray:
    """`entries.entry_count` of every node from `_compiled_counts`' (objects: own properties
    and elements; arrays: elements): arrays of numbers by the capacity of their store, and
    Maps and Sets (whose hash tables are decoded one by one, as `entries.hash_entries` does:
    a snapshot has few)."""
    # An array without element edges holds numbers: counted by its store's capacity.
    rows = np.flatnonzero(stores >= 0)
    capacity = (snap.raw_self_size[stores[rows]].astype(np.int64) - FIXED_ARRAY_HEADER) // WORD
    counts[rows] = np.maximum(capacity, 0)
    for kind, size in (("map", 3), ("set", 2)):
        for i in np.flatnonzero(kinds == KINDS.index(kind)).tolist():
            counts[i] = hash_entries(snap, int(nodes[i]), size).count
    return counts


@older_summary("collections")
def collections_summary(snap: HeapSnapshot) -> Collections:
    nodes = collection_nodes(snap)
    names = np.asarray(snap.class_names, dtype=object)
    kind_of_class = np.asarray([KINDS.index({"Map": "map", "Set": "set", "Array": "array"}.get(
        str(n), "object")) for n in names] or [0], dtype=np.uint8)
    kinds = np.ascontiguousarray(kind_of_class[snap.class_id[nodes]])
    # The collections' counts on the second core while the edges into them are walked here
    # (compiled kernels both, neither holding the GIL).
    counted = Beside(_compiled_counts, snap, nodes, kinds, _storage_masks(snap),
                     np.asarray(string_ids(snap, "__proto__"), dtype=np.int64),
                     np.asarray(string_ids(snap, "elements"), dtype=np.int64),
                     name="leaktui-collections")
    try:
        is_collection = np.zeros(snap.node_count, dtype=np.bool_)
        is_collection[nodes] = True
        # Each slot's name: its number (element, hidden edges), else the rank of its string
        # among those the slots name, whose texts are numbered below (one string table's
        # texts are distinct but for the numbers a shortcut edge's name is read as).
        sources, slot_type, slot_name, slot_target, samples = k.collection_slots(
            snap.first_edge, snap.edge_to, snap.edge_type, snap.edge_name, is_collection,
            snap.E_WEAK, snap.E_ELEMENT, snap.E_HIDDEN, len(snap.strings))
        del is_collection
        texts: dict[str, int] = {}
        codes = np.asarray([texts.setdefault(snap.edge_name_text(int(e)), len(texts))
                            for e in samples.tolist()], dtype=np.uint32)
        if len(texts) < codes.size:  # two strings read as one text: one code
            named = ~np.isin(slot_type, [snap.E_ELEMENT, snap.E_HIDDEN])
            slot_name[named] = codes[slot_name[named]]
    except BaseException:
        counted.wait()
        raise
    element_count, counts, stores = counted.result()
    return Collections(
        nodes=nodes.astype(np.uint32),
        element_count=element_count,
        entry_count=_entry_counts(snap, nodes, kinds, counts, stores).astype(np.uint32),
        retained=snap.retained_size[nodes].astype(np.int64),
        slot_source=sources,
        slot_type=slot_type,
        slot_name=slot_name,
        slot_target=slot_target,
        slot_texts=texts,
        edge_type_names=list(snap.edge_type_names))


def collections_of(snap: AnySnapshot) -> Collections:
    """The `Collections` of an older snapshot of a series, full or lean."""
    return summary_of(snap, "collections")  # type: ignore[no-any-return]


def growing_holders(snaps: Sequence[AnySnapshot], top: int = 50) -> list[GrowingHolder]:
    """Collections alive in every snapshot whose entry count rises at every step (a holder
    whose count stays, however its retained size moves, is not growing), largest retained
    growth first."""
    if len(snaps) < 2:
        return []
    last = snaps[-1]
    if not isinstance(last, HeapSnapshot):
        raise TypeError("growing holders are read from the last snapshot's graph: it cannot "
                        "be lean")
    counts_last = element_counts(last)
    collection_class = np.asarray([n in COLLECTION_CLASSES for n in last.class_names]
                                  or [False], dtype=np.bool_)
    class_ok = collection_class[last.class_id]  # by class, not by node (a 1 GB one: 1.1 s)
    plainish = np.zeros(last.node_count, dtype=np.bool_)
    plainish[last.plain_objects] = True
    candidate = ((class_ok | plainish) & (counts_last >= MIN_ELEMENTS)
                 & (last.node_type == last.T_OBJECT))
    del class_ok, plainish
    cand = np.flatnonzero(candidate)
    del candidate
    # Reachable from a user root: asked of the candidates only (of every node, its
    # temporaries were ~250 MiB on a 1 GB snapshot, while the suspects run beside it).
    cand = cand[user_distances(last, cand)]
    if cand.size > MAX_CANDIDATES:
        by_retained = np.argsort(-last.retained_size[cand].astype(np.int64), kind="stable")
        cand = cand[by_retained[:MAX_CANDIDATES]]
    ids = last.node_id[cand].astype(np.int64)
    counts = [counts_last[cand]]
    retained = [last.retained_size[cand]]
    alive = np.ones(cand.size, dtype=np.bool_)
    for snap in reversed(snaps[:-1]):  # older: their `Collections` (they may be lean)
        ords = snap.ordinals_of_ids(ids)
        alive &= ords >= 0
        older = collections_of(snap)
        counts.insert(0, older.element_counts(ords))
        retained.insert(0, older.retained_sizes(ords))
    c = np.vstack(counts).astype(np.int64)  # the counts may be uint32: differences signed
    r = np.vstack(retained).astype(np.int64)  # uint32 retained sizes: differences signed
    # The vectorised count is the edge count, up to a constant: it picks the candidates;
    # what is shown (and judged) is the entry count every view uses.
    maybe = np.flatnonzero(alive & np.all(np.diff(c, axis=0) > 0, axis=0))
    maybe = maybe[np.argsort(-(r[-1] - r[0])[maybe], kind="stable")]  # largest growth first
    growing: list[tuple[int, list[int]]] = []
    before = [collections_of(s).entry_counts(s.ordinals_of_ids(ids[maybe]))
              for s in snaps[:-1]]
    for j, i in enumerate(maybe.tolist()):
        exact = [int(b[j]) for b in before] + [entry_count(last, int(cand[i]))]
        if all(b > a for a, b in zip(exact, exact[1:], strict=False)):
            growing.append((i, exact))
            if len(growing) == top:
                break
    return [GrowingHolder(int(cand[i]), int(ids[i]), last.class_name(int(cand[i])),
                          last.path_names(int(cand[i])), exact, [int(x) for x in r[:, i]],
                          path_text(last, int(cand[i])))
            for i, exact in growing[:top]]


def survivors(snaps: Sequence[AnySnapshot], top: int = 50) -> list[SurvivorGroup]:
    """Objects born between snapshot 1 and 2 still alive in the last, by class and holder.
    Of the older snapshots only their largest object ids are read: they may be lean."""
    if len(snaps) < 3:
        return []
    low, high = snaps[0].max_js_object_id, snaps[1].max_js_object_id
    last = snaps[-1]
    if not isinstance(last, HeapSnapshot):
        raise TypeError("survivors are read from the last snapshot's graph: it cannot be lean")
    ids = last.node_id.astype(np.int64)
    is_new = (ids > low) & (ids <= high) & ((ids & 1) == 1)
    surv = np.flatnonzero(is_new & (last.self_size > 0))
    if surv.size == 0:
        return []
    born_later = ids > low  # anything allocated after S1 cannot be the long-lived holder
    holder = last.dominator[surv].astype(np.int64)
    storage = np.isin(last.node_type, [last.T_ARRAY, last.T_HIDDEN]) | (last.self_size == 0)
    for _ in range(10_000):
        climb = (born_later[holder] | storage[holder]) & (holder != last.root)
        if not climb.any():
            break
        holder[climb] = last.dominator[holder[climb]]
    classes = last.class_id[surv].astype(np.int64)
    key = classes * np.int64(last.node_count + 1) + holder
    uniq, inverse = np.unique(key, return_inverse=True)
    count = np.bincount(inverse)
    size = np.bincount(inverse, weights=last.self_size[surv].astype(np.int64))
    order = np.argsort(-size, kind="stable")
    order = order[count[order] >= MIN_SURVIVORS][:top]  # a handful of objects is churn
    first = surv[np.unique(inverse, return_index=True)[1]]  # each group's first member
    merged: dict[tuple[int, int], list[int]] = {}  # (class, holder) -> [count, size]
    for g in order.tolist():
        h = int(uniq[g] % (last.node_count + 1))
        c = int(uniq[g] // (last.node_count + 1))
        if h == last.root or last.distance[h] <= 1:
            # No older object but a root (or `global`) dominates them (they are reachable
            # from several places): the deepest older object on their shortest path.
            on_path = _older_on_path(last, int(first[g]), born_later, storage)
            h = on_path if on_path >= 0 else h
        total = merged.setdefault((c, h), [0, 0])
        total[0] += int(count[g])
        total[1] += int(size[g])
    groups = [SurvivorGroup(last.class_names[c], n, b, h, int(last.node_id[h]), last.class_name(h),
                            last.path_names(h) if h != last.root else [],
                            path_text(last, h) if h != last.root else "")
              for (c, h), (n, b) in merged.items()]
    groups.sort(key=lambda g: -g.size)
    return groups


def _older_on_path(snap: HeapSnapshot, node: int, born_later: np.ndarray,
                   storage: np.ndarray) -> int:
    """The deepest object that existed in the first snapshot on ``node``'s shortest path from
    a user root (-1 when there is none)."""
    on_path = [int(snap.edge_to[e]) for e in snap.path_to_root(node)][:-1]
    for h in reversed(on_path):
        if not born_later[h] and not storage[h]:
            return h
    return -1


def holder_text(holder_class: str, holder_id: int, path: str) -> str:
    """How a survivor group's or a growing holder reads: `Map @123 via global.registry.profiles`
    (``path``: `paths.path_text`); never the synthetic root with no path."""
    if not path and holder_class == "(synthetic)":
        return "GC roots directly (no older object on their path)"
    return f"{holder_class} @{holder_id} via {path or '(a root)'}"
