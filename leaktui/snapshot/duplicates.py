"""Duplicated strings: DevTools' "Duplicated strings" groups, with the same numbers.

DevTools (`HeapSnapshot.getDuplicateStrings` and the `duplicatedStrings` named filter) takes
every `string` and `concatenated string` node with a self size above zero, skips concatenated
strings already flattened (a `first` or `second` part that is empty), and groups them by their
text: the node's name for a string, the parts joined (cut after 1024 characters) for a
concatenated string. A string V8 marks as truncated (an internal `truncated` edge to `true`)
is grouped by (text, `length`, `hash`) instead. Groups of one are dropped. Each group sums the
members' self sizes and retained sizes and groups are ordered by retained size, largest first
(ties: the group whose first member comes first; truncated groups after the others). Sliced
strings are not counted.

Candidates, their grouping (by counting, no sort) and the concatenated strings' parts are
compiled passes (_textkernels.pyx); numpy works over the candidates and groups only, and Python
touches only distinct texts of concatenated strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from leaktui.snapshot import _textkernels
from leaktui.snapshot._base import search_keys, slots_of
from leaktui.snapshot.graph import HeapSnapshot

NAME_CUT = 1024  # DevTools stops joining a concatenated string's parts past this many chars
MAX_PARTS = 8192  # parts read per concatenated string (empty parts make more than 1024)
KEYS_32_BIT_LIMIT = 2**32 - 1
"""Group keys are uint32 while fewer could exist, else int64 (a test lowers it to run the
int64 kernels on small files)."""


@dataclass(frozen=True)
class DuplicateGroup:
    """One group of equal strings."""

    value: str
    count: int
    self_size: int  # DevTools' totalSelfSize
    retained_size: int  # DevTools' totalRetainedSize
    wasted: int  # what keeping one copy would save: self_size minus the smallest member
    truncated: bool
    length: int | None  # V8's full length and hash, for truncated strings only
    hash: int | None
    nodes: np.ndarray  # member ordinals, in node order

    def to_json(self) -> dict[str, object]:
        return {"value": self.value, "count": self.count, "size": self.self_size,
                "retained_size": self.retained_size, "wasted": self.wasted,
                "truncated": self.truncated}


class DuplicateStrings:
    """Every group, ordered as DevTools orders them; values are decoded only when asked."""

    def __init__(self, snap: HeapSnapshot, members: np.ndarray, offsets: np.ndarray,
                 self_sizes: np.ndarray, retained: np.ndarray, wasted: np.ndarray,
                 keys: np.ndarray, n_strings: int, texts: list[str],
                 truncation: list[tuple[int | None, int | None]]) -> None:
        self._snap = snap
        self._members = members
        self._offsets = offsets
        self.self_sizes = self_sizes
        self.retained_sizes = retained
        self.wasted = wasted
        self._keys = keys  # a string index, or past the table: a concatenated text, then a
        self._n_strings = n_strings  # truncated (text, length, hash)
        self._texts = texts
        self._truncation = truncation

    def __len__(self) -> int:
        return int(self._keys.shape[0])

    def _truncated(self, i: int) -> tuple[int | None, int | None] | None:
        k = int(self._keys[i]) - self._n_strings - len(self._texts)
        return self._truncation[k] if k >= 0 else None

    @cached_property
    def total_count(self) -> int:
        """Strings in all groups."""
        return int(self._offsets[-1])

    @cached_property
    def total_size(self) -> int:
        return int(self.self_sizes.sum())

    @cached_property
    def total_wasted(self) -> int:
        return int(self.wasted.sum())

    def value(self, i: int) -> str:
        key = int(self._keys[i])
        if key < self._n_strings:
            return self._snap.strings[key]
        if key < self._n_strings + len(self._texts):
            return self._texts[key - self._n_strings]
        return self._snap.name(int(self._members[self._offsets[i]]))

    def members(self, i: int) -> np.ndarray:
        return self._members[self._offsets[i]:self._offsets[i + 1]]

    def group(self, i: int) -> DuplicateGroup:
        nodes = self.members(i)
        trunc = self._truncated(i)
        return DuplicateGroup(
            value=self.value(i), count=int(nodes.shape[0]),
            self_size=int(self.self_sizes[i]), retained_size=int(self.retained_sizes[i]),
            wasted=int(self.wasted[i]), truncated=trunc is not None,
            length=None if trunc is None else trunc[0],
            hash=None if trunc is None else trunc[1], nodes=nodes)

    def top(self, n: int | None = None) -> list[DuplicateGroup]:
        end = len(self) if n is None else min(n, len(self))
        return [self.group(i) for i in range(end)]


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class _Finder:
    """String indexes of a few fixed texts (edge and node names the rules need)."""

    def __init__(self, snap: HeapSnapshot) -> None:
        self.found = snap.strings.indexes_of(["", "first", "second", "truncated", "length",
                                              "hash", "value", "true", "bool", "int"])

    def one(self, text: str) -> int:
        hits = self.found[text]
        return hits[0] if hits else -1

    def all(self, text: str) -> np.ndarray:
        return np.asarray(self.found[text], dtype=np.int64)


def _cons_parts(snap: HeapSnapshot, cons: np.ndarray, names: _Finder
                ) -> tuple[np.ndarray, np.ndarray]:
    return _textkernels.cons_string_leaves(
        np.ascontiguousarray(cons, dtype=np.int64), snap.node_type, snap.node_name,
        snap.first_edge, snap.edge_type, snap.edge_name, snap.edge_to, snap.T_CONS,
        snap.E_INTERNAL, names.one("first"), names.one("second"), MAX_PARTS)


def _flat_cons(snap: HeapSnapshot, cons: np.ndarray, names: _Finder) -> np.ndarray:
    """DevTools' `isFlatConsString` for each of ``cons``: an internal `first` or `second`
    edge to a node whose name is empty."""
    flat = np.zeros(cons.shape[0], dtype=np.bool_)
    first, second = names.one("first"), names.one("second")
    if not cons.shape[0] or (first < 0 and second < 0):
        return flat
    edges, owner = slots_of(snap.first_edge, cons)
    name = snap.edge_name[edges]
    part = (snap.edge_type[edges] == snap.E_INTERNAL) & ((name == first) | (name == second))
    edges, owner = edges[part], owner[part]
    target = snap.edge_to[edges].astype(np.int64)
    empty = names.all("")
    is_cons = snap.node_type[target] == snap.T_CONS
    empty_target = ~is_cons & np.isin(snap.node_name[target], empty)
    if is_cons.any():  # a concatenated part: empty when all its own parts are
        inner = target[is_cons]
        offsets, leaves = _cons_parts(snap, inner, names)
        nonempty = np.add.reduceat((~np.isin(leaves, empty)).astype(np.int64), offsets[:-1]) \
            if leaves.shape[0] else np.zeros(inner.shape[0], dtype=np.int64)
        nonempty = np.where(np.diff(offsets) > 0, nonempty, 0)
        empty_target[np.flatnonzero(is_cons)] = nonempty == 0
    flat[owner[empty_target]] = True
    return flat


def _present(sorted_nodes: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Which of ``nodes`` are in ``sorted_nodes``."""
    if not sorted_nodes.shape[0]:
        return np.zeros(nodes.shape[0], dtype=np.bool_)
    pos = search_keys(nodes, sorted_nodes)
    return np.asarray(sorted_nodes[pos] == nodes)


def _int_value(snap: HeapSnapshot, node: int, names: _Finder, kind: str) -> int | None:
    """DevTools' nodeValueAsInt / nodeValueAsBool of a number helper node."""
    if snap.strings[int(snap.node_name[node])] != kind:
        return None
    value = names.one("value")
    for e in snap.edges(node):
        if int(snap.edge_type[e]) == snap.E_INTERNAL and int(snap.edge_name[e]) == value:
            text = snap.strings[int(snap.node_name[int(snap.edge_to[e])])]
            if kind == "bool":
                return 1 if text == "true" else 0 if text == "false" else None
            try:
                return int(text.strip().split(".")[0]) if text.strip() else None
            except ValueError:
                return None
    return None


def _internal_target(snap: HeapSnapshot, node: int, name: int) -> int | None:
    for e in snap.edges(node):
        if int(snap.edge_type[e]) == snap.E_INTERNAL and int(snap.edge_name[e]) == name:
            return int(snap.edge_to[e])
    return None


def _truncated(snap: HeapSnapshot, strings: np.ndarray, cons: np.ndarray, names: _Finder
               ) -> dict[int, tuple[int | None, int | None]]:
    """Candidates V8 marks as truncated: ordinal -> (length, hash). Rare (strings past 1024
    characters in recent V8), so the few found are read one by one."""
    trunc = names.one("truncated")
    if trunc < 0:
        return {}
    marked = _textkernels.internal_edges_named(snap.edge_type, snap.edge_name, snap.E_INTERNAL,
                                               trunc)
    owners = np.unique(snap.edge_sources(marked)) if marked.shape[0] else marked
    owners = owners[_present(strings, owners) | _present(cons, owners)]
    out: dict[int, tuple[int | None, int | None]] = {}
    for v in owners.tolist():
        first = _internal_target(snap, v, trunc)
        if first is None or _int_value(snap, first, names, "bool") != 1:
            continue
        length_node = _internal_target(snap, v, names.one("length"))
        hash_node = _internal_target(snap, v, names.one("hash"))
        out[v] = (None if length_node is None else _int_value(snap, length_node, names, "int"),
                  None if hash_node is None else _int_value(snap, hash_node, names, "int"))
    return out


def _cons_texts(snap: HeapSnapshot, cons: np.ndarray, names: _Finder
                ) -> tuple[np.ndarray, list[str]]:
    """(text id per node of ``cons``, distinct texts): DevTools' `consStringName`."""
    offsets, leaves = _cons_parts(snap, cons, names)
    distinct_leaves, leaf_inverse = np.unique(leaves, return_inverse=True)
    leaf_len = np.fromiter((_utf16_length(snap.strings[int(s)]) for s in distinct_leaves),
                           dtype=np.int64, count=distinct_leaves.shape[0])
    lengths = leaf_len[leaf_inverse]
    # DevTools appends parts while the text so far is shorter than 1024 characters.
    before = np.cumsum(lengths) - lengths
    seg = np.repeat(np.arange(cons.shape[0]), np.diff(offsets))
    before -= before[offsets[:-1]][seg] if seg.shape[0] else 0
    keep = before < NAME_CUT
    leaves, seg = leaves[keep], seg[keep]
    # One 128-bit hash per kept sequence (two position-dependent sums) finds the distinct
    # sequences; only those are joined into text.
    counts = np.bincount(seg, minlength=cons.shape[0])  # >= 1: the first part is always kept
    starts = np.zeros(cons.shape[0], dtype=np.int64)
    starts[1:] = np.cumsum(counts)[:-1]
    rel = (np.arange(leaves.shape[0], dtype=np.int64) - starts[seg]).astype(np.uint64)
    with np.errstate(over="ignore"):
        x = leaves.astype(np.uint64) + np.uint64(1)
        m1 = (x * np.uint64(0x9E3779B97F4A7C15)) ^ (rel * np.uint64(0xC2B2AE3D27D4EB4F))
        m1 = m1 ^ (m1 >> np.uint64(29))
        m1 *= np.uint64(0xBF58476D1CE4E5B9)
        m2 = (x + rel * np.uint64(0x100000001B3)) * np.uint64(0xD6E8FEB86659FD93)
        m2 = m2 ^ (m2 >> np.uint64(31))
        m2 *= np.uint64(0x94D049BB133111EB)
        a = np.add.reduceat(m1, starts) if leaves.shape[0] else np.zeros(0, dtype=np.uint64)
        b = np.add.reduceat(m2, starts) if leaves.shape[0] else np.zeros(0, dtype=np.uint64)
    keys = np.stack([a, b, counts.astype(np.uint64)], axis=1)
    _, first_of, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    kept_offsets = np.zeros(cons.shape[0] + 1, dtype=np.int64)
    kept_offsets[1:] = np.cumsum(counts)
    texts: dict[str, int] = {}
    seq_text = np.empty(first_of.shape[0], dtype=np.int64)
    for j, node in enumerate(first_of.tolist()):
        parts = leaves[kept_offsets[node]:kept_offsets[node + 1]].tolist()
        text = "".join(snap.strings[p] for p in parts)
        seq_text[j] = texts.setdefault(text, len(texts))
    return seq_text[inverse.reshape(-1)], list(texts)


def concatenated_texts(snap: HeapSnapshot, cons: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """DevTools' text (`consStringName`: the parts joined, cut after 1024 characters) of each
    concatenated string in ``cons``: (text id per node, the distinct texts)."""
    if not cons.shape[0]:
        return np.zeros(0, dtype=np.int64), []
    return _cons_texts(snap, cons, _Finder(snap))


def _match_flat_names(snap: HeapSnapshot, texts: list[str], used: np.ndarray,
                      text_key: np.ndarray) -> None:
    """Point ``text_key[j]`` at the string index equal to ``texts[j]`` among the names in
    ``used`` (a mask over the table). Without escapes a string's raw bytes are its UTF-8, so
    only names of a matching byte length are compared (as bytes); names with escapes are
    decoded."""
    raw, starts, ends, escaped = snap.strings.raw_spans()
    encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
    slot_of = {e: j for j, e in enumerate(encoded)}
    fits = np.zeros(max(len(e) for e in encoded) + 2, dtype=np.bool_)
    fits[[len(e) for e in encoded]] = True
    raw_len = np.minimum(ends - starts, fits.shape[0] - 1)
    plain = np.flatnonzero(used & ~escaped & fits[raw_len])
    for i, a, b in zip(plain.tolist(), starts[plain].tolist(), ends[plain].tolist(),
                       strict=True):
        slot = slot_of.get(raw[a:b])
        if slot is not None:
            text_key[slot] = i
    text_slot = {t: j for j, t in enumerate(texts)}
    for i in np.flatnonzero(used & escaped).tolist():
        slot = text_slot.get(snap.strings[i])
        if slot is not None:
            text_key[slot] = i


def find_duplicate_strings(snap: HeapSnapshot) -> DuplicateStrings:
    """DevTools' duplicated-string groups of ``snap`` (see the module docstring)."""
    names = _Finder(snap)
    # One uint32 array of candidates, two sorted runs (strings, then concatenated strings), and
    # one of their keys, each filled in place: the candidates are a good part of a heap's
    # nodes (6.6M of 14.6M in a 1 GB snapshot), so no per-run copy is made beside them.
    nodes, split = _textkernels.string_candidates(snap.node_type, snap.self_size,
                                                  snap.T_STRING, snap.T_CONS)
    cons = nodes[split:]
    kept = cons[~_flat_cons(snap, cons, names)]
    nodes[split:split + kept.shape[0]] = kept
    nodes = nodes[:split + kept.shape[0]]
    del kept
    strings, cons = nodes[:split], nodes[split:]
    n_strings = len(snap.strings)
    # A key per candidate: the name's string index; a concatenated string's text maps to the
    # index of an equal string's name when there is one, else to a key past the table.
    # uint32 unless there could be 2^32 keys or more (the texts of concatenated strings and
    # the truncated strings' keys are at most one per candidate each).
    wide = n_strings + 2 * nodes.shape[0] >= KEYS_32_BIT_LIMIT
    keys = np.empty(nodes.shape[0], dtype=np.int64 if wide else np.uint32)
    if wide:
        keys[:split] = snap.node_name[strings]
    else:
        np.take(snap.node_name, strings, out=keys[:split])  # no temporary
    values_extra: list[str] = []
    if cons.shape[0]:
        text_id, texts = _cons_texts(snap, cons, names)
        text_key = np.arange(n_strings, n_strings + len(texts), dtype=np.int64)
        used = np.zeros(n_strings, dtype=np.bool_)
        used[keys[:split]] = True
        _match_flat_names(snap, texts, used, text_key)
        del used
        keys[split:] = text_key[text_id]
        del text_id, text_key
        values_extra = texts
    trunc_info: list[tuple[int | None, int | None]] = []
    truncated = _truncated(snap, strings, cons, names)
    if truncated:  # (text, length, hash) of each truncated string: its own keys
        combo: dict[tuple[int, int | None, int | None], int] = {}
        base = n_strings + len(values_extra)
        for node, info in truncated.items():
            in_cons = int(snap.node_type[node]) == snap.T_CONS
            part = cons if in_cons else strings
            p = int(np.searchsorted(part, node)) + (strings.shape[0] if in_cons else 0)
            k = (int(keys[p]),) + info
            if k not in combo:
                combo[k] = len(combo)
                trunc_info.append(info)
            keys[p] = base + combo[k]
    # Grouped by key in two compiled passes over the candidates (counting, no sort), members
    # in node order; groups come numbered in the order their first member appears.
    n_keys = n_strings + len(values_extra) + len(trunc_info)
    group, g_keys, g_count, g_self, g_retained, g_min, g_first = _textkernels.duplicate_groups(
        nodes, keys, split, n_keys, snap.self_size, snap.retained_size)
    g_tier = g_keys >= n_strings + len(values_extra)  # truncated groups after the others
    # DevTools: untruncated groups in order of first appearance, then truncated ones, then a
    # stable sort by retained size, largest first.
    rank = np.lexsort((g_first, g_tier, -g_retained))
    # Per-group arrays are let go as soon as done with: a heap whose strings are all
    # duplicated has millions of groups (6.5M in the 5 GB benchmark file).
    del g_first, g_tier
    new_offsets = np.zeros(rank.shape[0] + 1, dtype=np.int64)
    new_offsets[1:] = np.cumsum(g_count[rank])
    del g_count
    group_start = np.empty(rank.shape[0], dtype=np.int64)
    group_start[rank] = new_offsets[:-1]
    members_sorted = _textkernels.duplicate_members(nodes, keys, split, group, group_start,
                                                    int(new_offsets[-1]))
    del group, group_start, nodes, keys, strings, cons
    wasted = (g_self - g_min)[rank]
    del g_min
    self_sizes = g_self[rank]
    del g_self
    retained = g_retained[rank]
    del g_retained
    return DuplicateStrings(snap, members_sorted, new_offsets, self_sizes, retained, wasted,
                            g_keys[rank], n_strings, values_extra, trunc_info)
