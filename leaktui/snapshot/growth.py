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

import numpy as np

from leaktui.snapshot import kernels as k
from leaktui.snapshot.entries import entry_count
from leaktui.snapshot.graph import HeapSnapshot
from leaktui.snapshot.lean import AnySnapshot
from leaktui.snapshot.paths import path_text, user_distances

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


def element_counts(snap: HeapSnapshot) -> np.ndarray:
    """Per node: its outgoing non-weak edges or those of its `elements`/`table`/`properties`
    backing store, whichever is more: the number of entries a collection holds (up to a
    constant). V8 lists a JS array's elements both on the array and on its store."""
    return snap.cached("element_counts", lambda: _element_counts(snap))


def _element_counts(snap: HeapSnapshot) -> np.ndarray:
    found = snap.strings.indexes_of(STORAGE_EDGES)
    is_storage_name = np.zeros(len(snap.strings), dtype=np.bool_)
    for name in STORAGE_EDGES:
        is_storage_name[found[name]] = True
    storage_type = np.zeros(len(snap.node_type_names) + 1, dtype=np.bool_)
    storage_type[[snap.T_ARRAY, snap.T_HIDDEN]] = True
    counts = k.collection_entry_counts(snap.first_edge, snap.edge_type, snap.edge_name,
                                       snap.edge_to, snap.node_type, snap.E_WEAK,
                                       snap.E_INTERNAL, is_storage_name, storage_type)
    return counts


def growing_holders(snaps: list[HeapSnapshot], top: int = 50) -> list[GrowingHolder]:
    """Collections alive in every snapshot whose entry count rises at every step (a holder
    whose count stays, however its retained size moves, is not growing), largest retained
    growth first."""
    if len(snaps) < 2:
        return []
    last = snaps[-1]
    counts_last = element_counts(last)
    class_ok = np.isin(np.asarray(last.class_names, dtype=object)[last.class_id],
                       np.asarray(COLLECTION_CLASSES, dtype=object))
    plainish = np.zeros(last.node_count, dtype=np.bool_)
    plainish[last.plain_objects] = True
    candidate = ((class_ok | plainish) & (counts_last >= MIN_ELEMENTS)
                 & (last.node_type == last.T_OBJECT)
                 & user_distances(last, np.arange(last.node_count)))
    cand = np.flatnonzero(candidate)
    if cand.size > MAX_CANDIDATES:
        cand = cand[np.argsort(-last.retained_size[cand], kind="stable")[:MAX_CANDIDATES]]
    ids = last.node_id[cand].astype(np.int64)
    counts = [counts_last[cand]]
    retained = [last.retained_size[cand]]
    alive = np.ones(cand.size, dtype=np.bool_)
    for snap in reversed(snaps[:-1]):
        ords = snap.ordinals_of_ids(ids)
        alive &= ords >= 0
        safe = np.where(ords >= 0, ords, 0)
        counts.insert(0, np.where(ords >= 0, element_counts(snap)[safe], 0))
        retained.insert(0, np.where(ords >= 0, snap.retained_size[safe], 0))
    c = np.vstack(counts).astype(np.int64)  # the counts may be uint32: differences signed
    r = np.vstack(retained)
    # The vectorised count is the edge count, up to a constant: it picks the candidates;
    # what is shown (and judged) is the entry count every view uses.
    maybe = np.flatnonzero(alive & np.all(np.diff(c, axis=0) > 0, axis=0))
    maybe = maybe[np.argsort(-(r[-1] - r[0])[maybe], kind="stable")]  # largest growth first
    growing: list[tuple[int, list[int]]] = []
    ords_all = [s.ordinals_of_ids(ids[maybe]) for s in snaps]
    for j, i in enumerate(maybe.tolist()):
        exact = [entry_count(s, int(o[j])) for s, o in zip(snaps, ords_all, strict=True)]
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
