"""Class names as DevTools shows them: per-type names, `<tag>` cuts, `Detached ` names, the
`{a, b}` interfaces of plain objects, and the location split of constructors.

DevTools keys classes by string index (plus location for objects that have one) and exports
them as `","+name` or `"script,line,col,name"`. Everything here is vectorised over nodes; Python
only loops over distinct names and distinct object shapes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np
from numba import types
from numba.typed import Dict

MAX_INTERFACE_NAME_LENGTH = 120
MIN_OBJECT_COUNT_PER_INTERFACE = 2
MIN_OBJECT_PROPORTION_PER_INTERFACE = 1000
_LOCATION_KEY = types.UniTuple(types.int64, 4)
_NEEDS_QUOTING = re.compile(r"[,'\"{}]")


def format_property_name(name: str) -> str:
    """DevTools' formatPropertyName: JSON-quote names holding `, ' " { }`."""
    if _NEEDS_QUOTING.search(name):
        return json.dumps(name, ensure_ascii=False)
    return name


def js_length(s: str) -> int:
    """Length in UTF-16 code units, as JavaScript counts it."""
    return len(s.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class InterfaceDefinition:
    name: str
    properties: tuple[str, ...]


class ClassNameTable:
    """The snapshot's strings plus the ones DevTools appends (class names), deduplicated per
    purpose exactly as DevTools does (so equal texts may have different indexes)."""

    def __init__(self, strings: Sequence[str]) -> None:
        self.strings = strings
        self.base = len(strings)
        self.added: list[str] = []
        self._pools: dict[str, dict[str, int]] = {}

    def add(self, text: str, pool: str) -> int:
        table = self._pools.setdefault(pool, {})
        index = table.get(text)
        if index is None:
            index = self.base + len(self.added)
            self.added.append(text)
            table[text] = index
        return index

    def __getitem__(self, index: int) -> str:
        return self.strings[index] if index < self.base else self.added[index - self.base]


@numba.njit(cache=True, nogil=True)
def _interface_candidates(
    plain: np.ndarray,
    first_edge: np.ndarray,
    edge_type: np.ndarray,
    edge_name: np.ndarray,
    property_edge: int,
    proto_string: int,
    formatted_length: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """For each plain object: a 64-bit hash of the property names DevTools puts in its
    candidate interface name (edge order, `__proto__` skipped, cut near 120 chars) and how
    many there are (0: no candidate)."""
    m = plain.shape[0]
    hashes = np.zeros(m, dtype=np.uint64)
    counts = np.zeros(m, dtype=np.int32)
    for k in range(m):
        v = plain[k]
        length = 1
        h = np.uint64(14695981039346656037)
        c = 0
        for e in range(first_edge[v], first_edge[v + 1]):
            if edge_type[e] != property_edge:
                continue
            s = edge_name[e]
            if s == proto_string:
                continue
            fl = formatted_length[s]
            if length > 1 and length + fl > MAX_INTERFACE_NAME_LENGTH:
                break
            if length != 1:
                length += 2
            length += fl
            h = (h ^ np.uint64(s + 1)) * np.uint64(1099511628211)
            h ^= h >> np.uint64(29)
            c += 1
        hashes[k] = h
        counts[k] = c
    return hashes, counts


@numba.njit(cache=True, nogil=True)
def _property_set_signatures(
    plain: np.ndarray,
    first_edge: np.ndarray,
    edge_type: np.ndarray,
    edge_name: np.ndarray,
    property_edge: int,
) -> np.ndarray:
    """For each plain object a hash of the sorted multiset of all its property names."""
    m = plain.shape[0]
    out = np.zeros(m, dtype=np.uint64)
    buf = np.empty(64, dtype=np.int64)
    for k in range(m):
        v = plain[k]
        c = 0
        for e in range(first_edge[v], first_edge[v + 1]):
            if edge_type[e] == property_edge:
                if c == buf.shape[0]:
                    nb = np.empty(2 * c, dtype=np.int64)
                    nb[:c] = buf
                    buf = nb
                buf[c] = edge_name[e]
                c += 1
        for i in range(1, c):  # insertion sort: objects have few properties
            x = buf[i]
            j = i - 1
            while j >= 0 and buf[j] > x:
                buf[j + 1] = buf[j]
                j -= 1
            buf[j + 1] = x
        h = np.uint64(1469598103934665603)
        for i in range(c):
            h = (h ^ np.uint64(buf[i] + 1)) * np.uint64(1099511628211)
            h ^= h >> np.uint64(31)
        out[k] = h ^ np.uint64(c)
    return out


def _property_names(snap_first_edge: np.ndarray, edge_type: np.ndarray, edge_name: np.ndarray,
                    node: int, property_edge: int) -> list[int]:
    lo, hi = int(snap_first_edge[node]), int(snap_first_edge[node + 1])
    sel = edge_type[lo:hi] == property_edge
    return [int(x) for x in edge_name[lo:hi][sel]]


@numba.njit(cache=True, nogil=True)
def _property_names_used(plain: np.ndarray, first_edge: np.ndarray, edge_type: np.ndarray,
                         edge_name: np.ndarray, property_edge: int,
                         n_strings: int) -> np.ndarray:
    """Which strings name a property edge of one of the ``plain`` objects (one pass over
    their edges, no per-edge temporaries)."""
    used = np.zeros(n_strings, dtype=np.bool_)
    for o in plain:
        for e in range(first_edge[o], first_edge[o + 1]):
            if edge_type[e] == property_edge:
                used[edge_name[e]] = True
    return used


def infer_interfaces(
    plain: np.ndarray,
    strings: Sequence[str],
    first_edge: np.ndarray,
    edge_type: np.ndarray,
    edge_name: np.ndarray,
    property_edge: int,
) -> list[InterfaceDefinition]:
    """DevTools' inferInterfaceDefinitions over the plain objects (ordinals in ``plain``)."""
    if plain.size == 0:
        return []
    # Formatted lengths of every string used as a property name of a plain object.
    names = np.flatnonzero(_property_names_used(plain, first_edge, edge_type, edge_name,
                                                property_edge, len(strings)))
    formatted_length = np.zeros(len(strings) + 1, dtype=np.int64)
    proto = -1
    for s in names.tolist():
        text = strings[s]
        if text == "__proto__":
            proto = s
        formatted_length[s] = js_length(format_property_name(text))
    hashes, counts = _interface_candidates(plain, first_edge, edge_type, edge_name, property_edge,
                                           proto, formatted_length)
    keep = counts > 0
    if not keep.any():
        return []
    h = hashes[keep]
    first_pos = np.flatnonzero(keep)
    uniq, first_idx, per = np.unique(h, return_index=True, return_counts=True)
    order = np.argsort(first_pos[first_idx], kind="stable")  # Map insertion order
    candidates: list[tuple[int, InterfaceDefinition]] = []
    for u in order.tolist():
        node = int(plain[first_pos[first_idx[u]]])
        n_props = int(counts[first_pos[first_idx[u]]])
        props: list[str] = []
        for s in _property_names(first_edge, edge_type, edge_name, node, property_edge):
            if s == proto:
                continue
            props.append(strings[s])
            if len(props) == n_props:
                break
        name = "{" + ", ".join(format_property_name(p) for p in props) + "}"
        candidates.append((int(per[u]), InterfaceDefinition(name, tuple(props))))
    candidates.sort(key=lambda c: -c[0])  # stable: ties keep insertion order
    min_count = max(MIN_OBJECT_COUNT_PER_INTERFACE,
                    plain.size / MIN_OBJECT_PROPORTION_PER_INTERFACE)
    result = []
    for count, definition in candidates:
        if count < min_count:
            break
        result.append(definition)
    return result


def _edges_of(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Concatenated ranges [lo_i, hi_i) without a Python loop."""
    lengths = (hi - lo).astype(np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.repeat(lo.astype(np.int64) - np.cumsum(lengths) + lengths, lengths)
    return starts + np.arange(total, dtype=np.int64)


def apply_interfaces(
    definitions: list[InterfaceDefinition],
    plain: np.ndarray,
    strings: Sequence[str],
    first_edge: np.ndarray,
    edge_type: np.ndarray,
    edge_name: np.ndarray,
    property_edge: int,
) -> tuple[np.ndarray, list[str | None]]:
    """DevTools' applyInterfaceDefinitions: for each plain object, the matching interface with
    the most properties all present on it (ties: the more popular), or None (stays Object).
    Returns (shape index per plain object, match per shape): objects are grouped by their set
    of property names so Python only loops over distinct shapes."""
    if plain.size == 0 or not definitions:
        return np.zeros(plain.size, dtype=np.int64), [None]
    sigs = _property_set_signatures(plain, first_edge, edge_type, edge_name, property_edge)
    uniq, first_idx, inverse = np.unique(sigs, return_index=True, return_inverse=True)
    ranked = sorted(range(len(definitions)),
                    key=lambda i: (-len(definitions[i].properties), i))
    def_sets = [(frozenset(definitions[i].properties), definitions[i].name) for i in ranked]
    per_sig: list[str | None] = []
    for fi in first_idx.tolist():
        node = int(plain[fi])
        props = {strings[s] for s in _property_names(first_edge, edge_type, edge_name, node,
                                                     property_edge)}
        match = None
        for dset, name in def_sets:
            if dset <= props:
                match = name
                break
        per_sig.append(match)
    return inverse.astype(np.int64).reshape(-1), per_sig


@numba.njit(cache=True, nogil=True)
def located_class_ids(
    loc_nodes: np.ndarray, loc_script: np.ndarray, loc_line: np.ndarray, loc_col: np.ndarray,
    node_type: np.ndarray, object_type: int, class_sidx: np.ndarray, first_id: int,
    class_id: np.ndarray,
) -> np.ndarray:
    """Objects (of ``object_type``) with a location get one class id per (script, line,
    column, class string), written into ``class_id``; returns the location index of the
    first node of each new id."""
    d = Dict.empty(key_type=_LOCATION_KEY, value_type=types.int64)
    firsts = np.empty(1024, dtype=np.int64)
    nf = 0
    for k in range(loc_nodes.shape[0]):
        node = loc_nodes[k]
        if node_type[node] != object_type:
            continue
        key = (np.int64(loc_script[k]), np.int64(loc_line[k]), np.int64(loc_col[k]),
               np.int64(class_sidx[node]))
        got = d.get(key, -1)
        if got < 0:
            got = first_id + nf
            d[key] = got
            if nf == firsts.shape[0]:
                grown = np.empty(2 * nf, dtype=np.int64)
                grown[:nf] = firsts
                firsts = grown
            firsts[nf] = k
            nf += 1
        class_id[node] = got
    return firsts[:nf].copy()


@numba.njit(cache=True, nogil=True)
def aggregate_classes(
    class_id: np.ndarray, self_size: np.ndarray, distance: np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per class over nodes with non-zero self size: count, self size sum, min distance and
    the first node (DevTools' Map insertion order)."""
    count = np.zeros(n_classes, dtype=np.int64)
    total = np.zeros(n_classes, dtype=np.int64)
    dist = np.full(n_classes, np.iinfo(np.int32).max, dtype=np.int64)
    first = np.full(n_classes, -1, dtype=np.int64)
    for v in range(class_id.shape[0]):
        s = self_size[v]
        if s == 0:
            continue
        c = class_id[v]
        if first[c] < 0:
            first[c] = v
        count[c] += 1
        total[c] += s
        if distance[v] < dist[c]:
            dist[c] = distance[v]
    return count, total, dist, first


@numba.njit(cache=True, nogil=True)
def names_of_types(class_sidx: np.ndarray, node_type: np.ndarray, type_a: int, type_b: int,
                   space: int) -> np.ndarray:
    """Mask over the string space: names of nodes of type ``type_a`` or ``type_b``."""
    used = np.zeros(space, dtype=np.bool_)
    for v in range(class_sidx.shape[0]):
        t = node_type[v]
        if t == type_a or t == type_b:
            used[class_sidx[v]] = True
    return used


@numba.njit(cache=True, nogil=True)
def assign_class_strings(class_sidx: np.ndarray, node_type: np.ndarray,
                         label_of_type: np.ndarray, remap_from: np.ndarray,
                         remap_to: np.ndarray) -> None:
    """In place: nodes whose type has a fixed class label get it; other nodes whose name is in
    ``remap_from`` (sorted) take the matching ``remap_to``."""
    for v in range(class_sidx.shape[0]):
        label = label_of_type[node_type[v]]
        if label >= 0:
            class_sidx[v] = label
        elif remap_from.shape[0] > 0:
            s = class_sidx[v]
            i = np.searchsorted(remap_from, s)
            if i < remap_from.shape[0] and remap_from[i] == s:
                class_sidx[v] = remap_to[i]
