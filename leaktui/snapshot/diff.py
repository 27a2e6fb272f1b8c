"""DevTools' Comparison view between two snapshots of one process, vectorised.

Objects are matched by V8 object id within the same class key; the base is re-classified with
the target's `{a, b}` interface definitions first (HeapSnapshot.ts `aggregatesForDiff`), so class
keys are comparable. No Python object is made per heap node: the join is a sorted-array
membership test over (class, id) pairs packed into int64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leaktui.snapshot.graph import HeapSnapshot


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


@dataclass(frozen=True)
class _Side:
    gkey: np.ndarray  # global class-key number per counted node
    ids: np.ndarray  # object id per counted node (int64)
    sizes: np.ndarray  # adjusted self size per counted node (int64)
    nodes: np.ndarray  # the node ordinals counted


def _side(snap: HeapSnapshot, class_id: np.ndarray, keys: list[tuple[int, int, int, int]],
          names: list[str], key_numbers: dict[str, int], key_names: dict[int, str]) -> _Side:
    winners = snap.exported_classes(class_id, keys, names)
    number_of_class = np.full(len(keys), -1, dtype=np.int64)
    for key, c in winners.items():
        g = key_numbers.setdefault(key, len(key_numbers))
        key_names.setdefault(g, names[c])
        number_of_class[c] = g
    gkey = number_of_class[class_id]
    counted = np.flatnonzero((snap.self_size > 0) & (gkey >= 0))
    return _Side(gkey[counted], snap.node_id[counted].astype(np.int64),
                 snap.self_size[counted].astype(np.int64), counted)


def compare(base: HeapSnapshot, target: HeapSnapshot) -> list[DiffRow]:
    """Comparison base -> target, one row per class with new or deleted objects, sorted by
    size delta (largest growth first)."""
    rows, _, _ = compare_detailed(base, target)
    return rows


def compare_detailed(
    base: HeapSnapshot, target: HeapSnapshot
) -> tuple[list[DiffRow], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Like `compare`, plus the new objects (target ordinals) and deleted objects (base
    ordinals) per class key."""
    key_numbers: dict[str, int] = {}
    key_names: dict[int, str] = {}
    tgt = _side(target, target.class_id, target.class_keys, target.class_names, key_numbers,
                key_names)
    base_sidx = base.reclassified(target.interfaces)
    b_ids, b_keys, b_names = base.class_ids_for(base_sidx)
    base_key_names: dict[int, str] = {}
    bas = _side(base, b_ids, b_keys, b_names, key_numbers, base_key_names)
    for g, name in base_key_names.items():
        key_names.setdefault(g, name)
    n_keys = len(key_numbers)
    # Join on object id (unique within a snapshot): a target object is "kept" when the base
    # has the same id counted under the same class key.
    base_gkey = np.full(base.node_count, -1, dtype=np.int64)
    base_gkey[bas.nodes] = bas.gkey
    base_ordinal = base.ordinals_of_ids(tgt.ids)
    kept = base_ordinal >= 0
    kept[kept] = base_gkey[base_ordinal[kept]] == tgt.gkey[kept]
    matched_base = np.zeros(base.node_count, dtype=np.bool_)
    matched_base[base_ordinal[kept]] = True
    new_mask = ~kept
    del_mask = ~matched_base[bas.nodes]
    new_count = np.bincount(tgt.gkey[new_mask], minlength=n_keys)
    del_count = np.bincount(bas.gkey[del_mask], minlength=n_keys)
    alloc = np.bincount(tgt.gkey[new_mask], weights=tgt.sizes[new_mask], minlength=n_keys)
    freed = np.bincount(bas.gkey[del_mask], weights=bas.sizes[del_mask], minlength=n_keys)
    odd_new = np.bincount(tgt.gkey[new_mask], weights=(tgt.ids[new_mask] & 1), minlength=n_keys)
    odd_del = np.bincount(bas.gkey[del_mask], weights=(bas.ids[del_mask] & 1), minlength=n_keys)
    key_of = {g: key for key, g in key_numbers.items()}
    rows: list[DiffRow] = []
    for g in np.flatnonzero((new_count > 0) | (del_count > 0)).tolist():
        noise = bool(new_count[g] == del_count[g] and odd_new[g] == 0 and odd_del[g] == 0)
        rows.append(DiffRow(key_of[g], key_names[g], int(new_count[g]), int(del_count[g]),
                            int(alloc[g]), int(freed[g]), noise))
    rows.sort(key=lambda r: (-r.size_delta, -r.alloc_size, r.key))
    new_nodes = _group(tgt.nodes[new_mask], tgt.gkey[new_mask], key_of)
    deleted_nodes = _group(bas.nodes[del_mask], bas.gkey[del_mask], key_of)
    return rows, new_nodes, deleted_nodes


def _group(nodes: np.ndarray, gkeys: np.ndarray, key_of: dict[int, str]) -> dict[str, np.ndarray]:
    """Split node ordinals by class key without a loop over nodes."""
    order = np.argsort(gkeys, kind="stable")
    keys_sorted = gkeys[order]
    uniq, starts = np.unique(keys_sorted, return_index=True)
    parts = np.split(nodes[order], starts[1:])
    return {key_of[int(g)]: part for g, part in zip(uniq.tolist(), parts, strict=True)}

