"""DevTools' Comparison view between two snapshots of one process.

Objects are matched by V8 object id within the same class key; the base is re-classified with
the target's `{a, b}` interface definitions first (HeapSnapshot.ts `aggregatesForDiff`), so class
keys are comparable. The join is one compiled pass over each side (a binary search of each target
id among the base's sorted ids), with a flag per node and counters per class key: no Python
object and no int64 copy per heap node.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leaktui.snapshot import kernels as k
from leaktui.snapshot.graph import HeapSnapshot
from leaktui.snapshot.lean import AnySnapshot as Base  # the join reads only ids, classes

# and sizes of the base: it may be lean (lean.py)


@dataclass(frozen=True)
class DiffRow:
    key: str  # DevTools class key
    name: str
    new: int
    deleted: int
    alloc_size: int
    freed_size: int
    noise: bool  # embedder objects whose ids change every snapshot: new == deleted, even ids

    @property
    def delta(self) -> int:
        return self.new - self.deleted

    @property
    def size_delta(self) -> int:
        return self.alloc_size - self.freed_size

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "key": self.key, "new": self.new, "deleted": self.deleted,
                "delta": self.delta, "alloc_size": self.alloc_size,
                "freed_size": self.freed_size, "size_delta": self.size_delta,
                "noise": self.noise}


def _class_numbers(snap: Base, keys: list[tuple[int, int, int, int]],
                   names: list[str], class_id: np.ndarray, key_numbers: dict[str, int],
                   key_names: dict[int, str]) -> np.ndarray:
    """Global key number per class id (-1 for classes DevTools does not export: their key
    collides with a later class's)."""
    winners = snap.exported_classes(class_id, keys, names)
    number_of_class = np.full(len(keys), -1, dtype=np.int64)
    for key, c in winners.items():
        g = key_numbers.setdefault(key, len(key_numbers))
        key_names.setdefault(g, names[c])
        number_of_class[c] = g
    return number_of_class


def compare(base: Base, target: HeapSnapshot) -> list[DiffRow]:
    """Comparison base -> target, one row per class with new or deleted objects, sorted by
    size delta (largest growth first)."""
    rows, _, _ = compare_detailed(base, target)
    return rows


def compare_detailed(
    base: Base, target: HeapSnapshot
) -> tuple[list[DiffRow], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Like `compare`, plus the new objects (target ordinals) and deleted objects (base
    ordinals) per class key."""
    key_numbers: dict[str, int] = {}
    key_names: dict[int, str] = {}
    t_number = _class_numbers(target, target.class_keys, target.class_names, target.class_id,
                              key_numbers, key_names)
    base_sidx = base.reclassified(target.interfaces)
    b_ids, b_keys, b_names = base.class_ids_for(base_sidx)
    del base_sidx
    base_key_names: dict[int, str] = {}
    b_number = _class_numbers(base, b_keys, b_names, b_ids, key_numbers, base_key_names)
    for g, name in base_key_names.items():
        key_names.setdefault(g, name)
    n_keys = len(key_numbers)
    sorted_ids, order = base._ids_sorted
    stats, is_new, is_deleted = k.comparison_join(
        target.class_id, t_number, target.self_size, target.node_id, b_ids, b_number,
        base.self_size, base.node_id, sorted_ids, order, n_keys)
    new_count, del_count, alloc, freed, odd_new, odd_del = stats
    key_of = {g: key for key, g in key_numbers.items()}
    rows: list[DiffRow] = []
    for g in np.flatnonzero((new_count > 0) | (del_count > 0)).tolist():
        noise = bool(new_count[g] == del_count[g] and odd_new[g] == 0 and odd_del[g] == 0)
        rows.append(DiffRow(key_of[g], key_names[g], int(new_count[g]), int(del_count[g]),
                            int(alloc[g]), int(freed[g]), noise))
    rows.sort(key=lambda r: (-r.size_delta, -r.alloc_size, r.key))
    new = np.flatnonzero(is_new)
    deleted = np.flatnonzero(is_deleted)
    new_nodes = _group(new, t_number[target.class_id[new]], key_of)
    deleted_nodes = _group(deleted, b_number[b_ids[deleted]], key_of)
    return rows, new_nodes, deleted_nodes


def _group(nodes: np.ndarray, gkeys: np.ndarray, key_of: dict[int, str]) -> dict[str, np.ndarray]:
    """Split node ordinals by class key without a loop over nodes."""
    if nodes.size == 0:  # nothing new (or nothing deleted): np.split would give one part
        return {}
    order = np.argsort(gkeys, kind="stable")
    keys_sorted = gkeys[order]
    uniq, starts = np.unique(keys_sorted, return_index=True)
    parts = np.split(nodes[order], starts[1:])
    return {key_of[int(g)]: part for g, part in zip(uniq.tolist(), parts, strict=True)}

