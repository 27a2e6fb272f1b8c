"""Class names as DevTools shows them: per-type names, `<tag>` cuts, `Detached ` names, the
`{a, b}` interfaces of plain objects, and the location split of constructors.

DevTools keys classes by string index (plus location for objects that have one) and exports
them as `","+name` or `"script,line,col,name"`. Everything here is vectorised over nodes
(compiled kernels in kernels.pyx); Python only loops over distinct names and distinct object
shapes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from leaktui.snapshot import kernels as k
from leaktui.snapshot.strings import StringTable

MAX_INTERFACE_NAME_LENGTH = 120
MIN_OBJECT_COUNT_PER_INTERFACE = 2
MIN_OBJECT_PROPORTION_PER_INTERFACE = 1000
_NEEDS_QUOTING = re.compile(r"[,'\"{}]")


def format_property_name(name: str) -> str:
    """DevTools' formatPropertyName: JSON-quote names holding `, ' " { }`."""
    if _NEEDS_QUOTING.search(name):
        import json  # here: rare names only

        return json.dumps(name, ensure_ascii=False)
    return name


def js_length(s: str) -> int:
    """Length in UTF-16 code units, as JavaScript counts it (a lone surrogate counts one)."""
    if s.isascii() or max(s) <= "\uffff":
        return len(s)
    return len(s) + sum(1 for c in s if c > "\uffff")


_JSON_SHORT_ESCAPES = frozenset('"\\\n\r\t\b\f')


def formatted_name_length(name: str) -> int:
    """js_length(format_property_name(name)) without formatting it (nor importing json):
    JSON quoting adds the quotes, one backslash per short escape, five per \\u00XX."""
    if not _NEEDS_QUOTING.search(name):
        return js_length(name)
    extra = 2
    for c in name:
        if c in _JSON_SHORT_ESCAPES:
            extra += 1
        elif c < " ":
            extra += 5
    return js_length(name) + extra


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


def _property_names(snap_first_edge: np.ndarray, edge_type: np.ndarray, edge_name: np.ndarray,
                    node: int, property_edge: int) -> list[int]:
    lo, hi = int(snap_first_edge[node]), int(snap_first_edge[node + 1])
    sel = edge_type[lo:hi] == property_edge
    return edge_name[lo:hi][sel].tolist()  # type: ignore[no-any-return]


def _formatted_lengths(strings: Sequence[str], names: np.ndarray) -> tuple[np.ndarray, int]:
    """(per string index, the UTF-16 length of the formatted property name of each of
    ``names``; the index among them holding "__proto__", or -1). A string table read from a
    file gives the lengths of its plain ASCII names by a compiled pass over its raw bytes;
    Python decodes only the others (escapes, non-ASCII, names DevTools quotes)."""
    formatted_length = np.zeros(len(strings) + 1, dtype=np.int64)
    proto = -1
    decode = names
    if isinstance(strings, StringTable):
        lengths = strings.plain_name_lengths(names)
        plain = lengths >= 0
        formatted_length[names[plain]] = lengths[plain]
        for s in names[lengths == len("__proto__")].tolist():
            if strings.raw_text(s) == b"__proto__":
                proto = max(proto, s)  # as the plain loop: the last (largest) one
        decode = names[~plain]
    for s in decode.tolist():
        text = strings[s]
        if text == "__proto__":
            proto = max(proto, s)
        formatted_length[s] = formatted_name_length(text)
    return formatted_length, proto


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
    names = np.flatnonzero(k.property_names_used(plain, first_edge, edge_type, edge_name,
                                                property_edge, len(strings)))
    formatted_length, proto = _formatted_lengths(strings, names)
    hashes, counts = k.interface_candidates(plain, first_edge, edge_type, edge_name, property_edge,
                                           proto, formatted_length)
    keep = counts > 0
    if not keep.any():
        return []
    h = hashes[keep]
    first_pos = np.flatnonzero(keep)
    uniq, first_idx, per = np.unique(h, return_index=True, return_counts=True)
    order = np.argsort(first_pos[first_idx], kind="stable")  # Map insertion order
    # Only the shapes common enough to become interfaces are named (DevTools names every
    # candidate, then sorts by count and stops at the first below the threshold: the same
    # definitions in the same order).
    min_count = max(MIN_OBJECT_COUNT_PER_INTERFACE,
                    plain.size / MIN_OBJECT_PROPORTION_PER_INTERFACE)
    order = order[per[order] >= min_count]
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
    return [definition for _, definition in candidates]


def _edges_of(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Concatenated ranges [lo_i, hi_i) without a Python loop."""
    lengths = (hi - lo).astype(np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.repeat(lo.astype(np.int64) - np.cumsum(lengths) + lengths, lengths)
    return starts + np.arange(total, dtype=np.int64)


def plain_object_shapes(
    plain: np.ndarray,
    strings: Sequence[str],
    first_edge: np.ndarray,
    edge_type: np.ndarray,
    edge_name: np.ndarray,
    property_edge: int,
) -> tuple[np.ndarray, list[frozenset[str]]]:
    """Plain objects grouped by their set of property names: (shape index per plain object,
    property names per shape). All that DevTools' applyInterfaceDefinitions reads of the graph,
    so a snapshot kept without its edges (lean.py) can still take another's definitions."""
    if plain.size == 0:
        return np.zeros(0, dtype=np.int64), []
    sigs = k.property_set_signatures(plain, first_edge, edge_type, edge_name, property_edge)
    uniq, first_idx, inverse = np.unique(sigs, return_index=True, return_inverse=True)
    shapes = [frozenset(strings[s] for s in _property_names(first_edge, edge_type, edge_name,
                                                            int(plain[fi]), property_edge))
              for fi in first_idx.tolist()]
    return inverse.astype(np.int64).reshape(-1), shapes


def match_shapes(definitions: list[InterfaceDefinition],
                 shapes: list[frozenset[str]]) -> list[str | None]:
    """Per shape, the matching interface with the most properties all present on it (ties:
    the more popular), or None (stays Object)."""
    ranked = sorted(range(len(definitions)),
                    key=lambda i: (-len(definitions[i].properties), i))
    def_sets = [(frozenset(definitions[i].properties), definitions[i].name) for i in ranked]
    per_shape: list[str | None] = []
    for props in shapes:
        match = None
        for dset, name in def_sets:
            if dset <= props:
                match = name
                break
        per_shape.append(match)
    return per_shape


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
    shape, shapes = plain_object_shapes(plain, strings, first_edge, edge_type, edge_name,
                                        property_edge)
    return shape, match_shapes(definitions, shapes)


located_class_ids = k.located_class_ids
aggregate_classes = k.aggregate_classes
names_of_types = k.names_of_types
assign_class_strings = k.assign_class_strings
