"""What a collection holds, read from the graph: the entries of a Map or Set (its hash table
read slot by slot), of an array (its elements, or the capacity of an array of numbers) and of an
object used as a dictionary (its own properties and elements).

One definition of "how many entries" for every view: growing holders (growth.py) and the
suspects count a collection with `entry_count` / `entries_of`, so the same Map shows the same
numbers everywhere."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from leaktui.snapshot._sets import isin, unique
from leaktui.snapshot.graph import HeapSnapshot

WORD = 8  # bytes per slot (Node's default build has no pointer compression)
FIXED_ARRAY_HEADER = 16
HASH_HEADER_SLOTS = 3  # elements, deleted, buckets
MAX_DECODED_SLOTS = 50_000
EMPTY_ODDBALLS = ("undefined", "hole", "the_hole")
SPARSE_FACTOR = 4  # highest index over element count


_ASKED: dict[str, None] = {}
"""Every text `string_ids` was asked for in this process, in order: a snapshot's table is
searched for all of them at its first lookup (one pass finds many texts for the cost of one),
so the detectors' few dozen names cost one search per snapshot, not one each."""


def expect_strings(*texts: str) -> None:
    """Texts `string_ids` will be asked for (a caller's names, declared once at import): the
    first lookup in a snapshot finds them along with what it was asked for."""
    _ASKED.update(dict.fromkeys(texts))


def string_ids(snap: HeapSnapshot, *texts: str) -> np.ndarray:
    """String-table indexes of the given texts (a name may occur more than once), looked up
    once per snapshot: a search of the whole string table."""
    cache: dict[tuple[str, ...], np.ndarray] = snap.cached("suspect_strings", dict)
    ids = cache.get(texts)
    if ids is None:
        hits: dict[str, list[int]] = snap.cached("suspect_string_hits", dict)
        missing = [t for t in texts if t not in hits]
        if missing:
            _ASKED.update(dict.fromkeys(missing))
            hits.update(snap.strings.indexes_of([t for t in _ASKED if t not in hits]))
        ids = np.asarray(sorted(i for t in texts for i in hits[t]), dtype=np.int64)
        cache[texts] = ids
    return ids



@dataclass
class Entries:
    """What one collection holds in one snapshot."""

    count: int
    keys: np.ndarray  # key objects (Map/Set tables; empty when keys are small integers)
    values: np.ndarray  # values, members or elements
    key_names: list[str] = field(default_factory=list)  # property names of objects
    numeric: bool = False  # an array of plain numbers: counted by capacity
    sparse: bool = False  # an array indexed by ids (`byId[id] = x`): a dictionary, not a list


def _oddball_names(snap: HeapSnapshot) -> np.ndarray:
    return string_ids(snap, "system / Oddball")


def _index_names(snap: HeapSnapshot, edges: np.ndarray) -> np.ndarray:
    """Numeric value of internal edge names such as "259" (-1 for other names)."""
    names = snap.edge_name[edges].astype(np.int64)
    uniq, inverse = np.unique(names, return_inverse=True)
    values = snap.strings.decimal_values(uniq)
    return values[inverse] if uniq.size else np.zeros(0, dtype=np.int64)


def _store(snap: HeapSnapshot, node: int, name: str) -> int:
    for e in snap.edges(node):
        if int(snap.edge_type[e]) == snap.E_INTERNAL and snap.edge_name_text(e) == name:
            return int(snap.edge_to[e])
    return -1


def hash_entries(snap: HeapSnapshot, node: int, entry_size: int) -> Entries:
    """Keys and values of a Map (entry size 3: key, value, chain) or Set (2: key, chain) from
    the slots of its OrderedHashTable. The slot index is the edge name; the bucket count
    follows from the table's size (header, buckets, two entries per bucket)."""
    table = _store(snap, node, "table")
    empty = np.zeros(0, dtype=np.int64)
    if table < 0:
        return Entries(0, empty, empty)
    edges = np.arange(int(snap.first_edge[table]), int(snap.first_edge[table + 1]))
    edges = edges[(snap.edge_type[edges] == snap.E_INTERNAL)
                  & ~isin(snap.edge_name[edges], string_ids(snap, "map"))]
    all_live = int((~isin(snap.node_name[snap.edge_to[edges]], _oddball_names(snap))).sum())
    edges = edges[:MAX_DECODED_SLOTS]  # a huge table: decode a sample, extrapolate the count
    index = _index_names(snap, edges)
    edges, index = edges[index >= 0], index[index >= 0]
    if edges.size == 0:
        return Entries(0, empty, empty)
    start = _first_entry_slot(int(snap.raw_self_size[table]), entry_size)
    if start < 0:  # an unknown layout: the first used slot starts an entry
        start = int(index.min())
    offset = index - start
    keep = offset >= 0
    edges, offset = edges[keep], offset[keep]
    targets = snap.edge_to[edges].astype(np.int64)
    live = ~isin(snap.node_name[targets], _oddball_names(snap))
    entry = offset // entry_size
    count = int(unique(entry[live]).size)
    if live.sum() and all_live > live.sum():
        count = round(count * all_live / int(live.sum()))
    position = offset % entry_size
    keys = targets[(position == 0) & live]
    values = targets[(position == 1) & live] if entry_size == 3 else keys
    return Entries(count, keys, values)


def _first_entry_slot(table_bytes: int, entry_size: int) -> int:
    """Slot of the first entry of an OrderedHashTable of this size: header (3 slots), one
    slot per bucket, two entries per bucket; 8-byte slots, or 4-byte ones in builds with
    pointer compression. -1 when neither fits."""
    per_bucket = 1 + 2 * entry_size
    for word, header in ((WORD, FIXED_ARRAY_HEADER), (4, 8)):
        slots, rest = divmod(table_bytes - header, word)
        if rest == 0 and slots > HASH_HEADER_SLOTS and (
                slots - HASH_HEADER_SLOTS) % per_bucket == 0:
            return HASH_HEADER_SLOTS + (slots - HASH_HEADER_SLOTS) // per_bucket
    return -1


def empty_values(snap: HeapSnapshot) -> np.ndarray:
    """Ordinals of the oddballs that mean "nothing here" in an array's slot: `undefined`
    (a preallocated `new Array(n).fill(undefined)`, a ring buffer's emptied slot) and the
    holes; `null`, `true` and `false` are values."""
    def find() -> np.ndarray:
        oddballs = np.flatnonzero(isin(snap.node_name, _oddball_names(snap)))
        empty = [o for o in oddballs.tolist()
                 if any(snap.edge_name_text(e) == "0"
                        and snap.raw_name(int(snap.edge_to[e])) in EMPTY_ODDBALLS
                        for e in snap.edges(o))]
        return np.asarray(empty, dtype=np.int64)
    return snap.cached("empty_values", find)


def array_entries(snap: HeapSnapshot, node: int) -> Entries:
    """Elements of an array but its empty slots (`empty_values`); an array of plain numbers
    has no element edges, so it is counted by its backing store's capacity."""
    edges = np.arange(int(snap.first_edge[node]), int(snap.first_edge[node + 1]))
    edges = edges[snap.edge_type[edges] == snap.E_ELEMENT]
    empty = np.zeros(0, dtype=np.int64)
    if edges.size:
        edges = edges[~np.isin(snap.edge_to[edges], empty_values(snap))]
        if edges.size == 0:
            return Entries(0, empty, empty)
    values = snap.edge_to[edges].astype(np.int64)
    if values.size:
        last_index = int(snap.edge_name[edges].max())
        return Entries(int(values.size), empty, values,
                       sparse=last_index + 1 > SPARSE_FACTOR * values.size)
    store = _store(snap, node, "elements")
    if store < 0:
        return Entries(0, empty, empty)
    capacity = max((int(snap.raw_self_size[store]) - FIXED_ARRAY_HEADER) // WORD, 0)
    return Entries(capacity, empty, empty, numeric=capacity > 0)


def object_entries(snap: HeapSnapshot, node: int, names: bool = True) -> Entries:
    """Own properties (by name) and indexed elements of an object used as a dictionary."""
    edges = np.arange(int(snap.first_edge[node]), int(snap.first_edge[node + 1]))
    types = snap.edge_type[edges]
    proto = string_ids(snap, "__proto__")
    keep = ((types == snap.E_PROPERTY) & ~isin(snap.edge_name[edges], proto)) | (
        types == snap.E_ELEMENT)
    edges = edges[keep]
    values = snap.edge_to[edges].astype(np.int64)
    key_names = [snap.edge_name_text(int(e)) for e in edges[:400]] if names else []
    return Entries(int(values.size), np.zeros(0, dtype=np.int64), values, key_names)


def entries_of(snap: HeapSnapshot, node: int, kind: str, names: bool = True) -> Entries:
    if kind == "map":
        return hash_entries(snap, node, 3)
    if kind == "set":
        return hash_entries(snap, node, 2)
    if kind == "array":
        return array_entries(snap, node)
    return object_entries(snap, node, names)


def kind_of(snap: HeapSnapshot, node: int) -> str:
    name = snap.class_name(node)
    return {"Map": "map", "Set": "set", "Array": "array"}.get(name, "object")


def entry_count(snap: HeapSnapshot, node: int) -> int:
    """Entries the collection ``node`` holds (a Map's or Set's entries, an array's elements,
    a dictionary's properties)."""
    return entries_of(snap, node, kind_of(snap, node), names=False).count
