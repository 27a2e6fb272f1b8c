"""The arrays of an analysed snapshot, declared once for the parts of `HeapSnapshot` (the
pipeline, class naming, statistics, per-object queries), each a mixin in its own module."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from leaktui.snapshot._sets import isin

_WANTED_STRINGS = (
    "system / ExternalStringData", "(Document DOM trees)", "system / NativeContext",
    "sloppy_function_map", "(map descriptors)", "Object", "system / JSArrayBufferData",
    "Array", "elements",
)

def search_keys(keys: np.ndarray, sorted_array: np.ndarray) -> np.ndarray:
    """Where each key is in ``sorted_array`` (non-empty) if it is there: np.searchsorted's
    left position, at most the last index, so ``sorted_array[pos] == keys`` says which are.
    The keys are converted to the array's dtype first, clipped to its range (a key outside it
    lands on an element it differs from: compare with the keys given). Given int64 keys,
    np.searchsorted would convert the whole uint32 array to int64 on every call, and the
    sorted ids and nodes of a 1 GB snapshot are tens of millions long."""
    keys = np.asarray(keys)
    dtype = sorted_array.dtype
    if keys.dtype != dtype and keys.dtype.kind in "iu" and dtype.kind in "iu" and \
            dtype != np.uint64:
        info = np.iinfo(dtype)
        keys = np.clip(keys.astype(np.int64, copy=False), info.min, info.max).astype(dtype)
    return np.minimum(np.searchsorted(sorted_array, keys), sorted_array.shape[0] - 1)


def slots_of(offsets: np.ndarray, nodes: np.ndarray,
             cap: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(slots, owner) of ``nodes`` in a CSR layout: every slot ``offsets[v]`` to
    ``offsets[v + 1]`` of each node in turn (edges with `first_edge`, retainers with
    `first_retainer`; at most the first ``cap`` of each), int64, and the position in
    ``nodes`` each slot belongs to."""
    starts = offsets[nodes].astype(np.int64)
    counts = offsets[nodes + 1].astype(np.int64) - starts
    if cap is not None:
        np.minimum(counts, cap, out=counts)
    owner = np.repeat(np.arange(nodes.shape[0]), counts)
    if not owner.shape[0]:
        return owner, owner
    seg_start = np.repeat(np.cumsum(counts) - counts, counts)
    return starts[owner] + (np.arange(owner.shape[0]) - seg_start), owner


class RawSelfSizes:
    """The self sizes as the file gives them, before DevTools' folding moved the sizes of
    hidden and array nodes to their owners: kept only where folding changed them (a sorted
    array of those nodes and their sizes, ~8 bytes for each of the ~25% of nodes it touches)
    over the folded sizes, so the node row they were copied into is free for later arrays.
    Indexed like an array: ``raw[node]`` (an int) or ``raw[nodes]`` (an array)."""

    def __init__(self, self_size: np.ndarray, raw: np.ndarray) -> None:
        """``raw``: every node's size from the file; ``self_size`` the folded sizes (kept by
        reference, not copied: the snapshot's own)."""
        changed = np.flatnonzero(raw != self_size)
        self._folded = self_size
        self._nodes = changed.astype(np.uint32 if raw.shape[0] < 2**32 else np.int64)
        self._sizes = raw[changed]

    def __getitem__(self, index: int | np.ndarray) -> np.ndarray:
        nodes = np.asarray(index)
        # Unfolded nodes have the file's size (below 2^32) as their folded one.
        out = np.array(self._folded[nodes], dtype=self._sizes.dtype)  # 0-d for one node
        if self._nodes.shape[0]:
            pos = search_keys(nodes, self._nodes)
            np.copyto(out, self._sizes[pos], where=self._nodes[pos] == nodes)
        return out

    @property
    def nbytes(self) -> int:
        return int(self._nodes.nbytes + self._sizes.nbytes)


if TYPE_CHECKING:
    from leaktui.snapshot.classes import ClassNameTable, InterfaceDefinition
    from leaktui.snapshot.format import Header, Layout
    from leaktui.snapshot.loader import ProgressCallback, RawSnapshot
    from leaktui.snapshot.objects import EdgeSources
    from leaktui.snapshot.pipeline import Timings
    from leaktui.snapshot.statistics import ClassRow, Statistics
    from leaktui.snapshot.strings import StringTable


class SnapshotData:
    """Arrays are indexed by node ordinal or edge ordinal; set by `HeapSnapshot.__init__` and
    the pipeline."""

    is_lean = False  # a `lean.LeanSnapshot` (an older snapshot of a series, without its graph)
    path: str
    raw: RawSnapshot
    header: Header
    layout: Layout
    strings: StringTable
    timings: Timings
    _progress: ProgressCallback | None
    node_count: int
    edge_count: int
    node_type_names: list[str]
    edge_type_names: list[str]
    root: int
    extra_native_bytes: int
    # nodes
    node_type: np.ndarray  # uint8
    node_name: np.ndarray  # uint32 string index
    node_id: np.ndarray  # uint32
    self_size: np.ndarray  # uint32, adjusted by the folding step
    raw_self_size: RawSelfSizes  # as in the file (uint32), before folding
    trace_node_id: np.ndarray | None
    detachedness: np.ndarray  # uint8: 0 unknown, 1 attached, 2 detached
    renamed_detached: np.ndarray  # bool
    flags: np.ndarray  # uint8 FLAG_* bits
    dominator: np.ndarray  # uint32 ordinal
    retained_size: np.ndarray  # uint32 (int64 for a heap of 4 GiB or more): widen to subtract
    distance: np.ndarray  # int32
    weak_only_count: int
    unreachable_count: int
    # edges (CSR)
    first_edge: np.ndarray  # N+1 offsets, uint32 (int64 past 4G edges)
    edge_type: np.ndarray  # uint8
    edge_name: np.ndarray  # uint32 string index or number
    edge_to: np.ndarray  # uint32 ordinal
    first_retainer: np.ndarray
    retaining_edges: np.ndarray
    retaining_nodes: EdgeSources
    ephemeron_pair_of_string: np.ndarray
    # classes
    string_table: ClassNameTable
    display_name_index: np.ndarray
    class_sidx: np.ndarray
    class_id: np.ndarray  # int32
    class_keys: list[tuple[int, int, int, int]]
    class_names: list[str]
    plain_objects: np.ndarray
    interfaces: list[InterfaceDefinition]
    class_rows: list[ClassRow]
    class_retained: np.ndarray
    statistics: Statistics
    # node and edge rows of the file that are done with, reused for later arrays
    _initial_detach: np.ndarray | None
    _spare_node_row: np.ndarray
    _spare_rows: list[np.ndarray]
    _raw_size_row: np.ndarray  # the file's self sizes until folding (then `raw_self_size`)
    _spare_edge_row: np.ndarray
    # type indexes (-1 when the snapshot has no such type)
    T_HIDDEN: int
    T_ARRAY: int
    T_STRING: int
    T_OBJECT: int
    T_CODE: int
    T_CLOSURE: int
    T_REGEXP: int
    T_NATIVE: int
    T_SYNTHETIC: int
    T_CONS: int
    T_SLICED: int
    E_CONTEXT: int
    E_ELEMENT: int
    E_PROPERTY: int
    E_INTERNAL: int
    E_HIDDEN: int
    E_SHORTCUT: int
    E_WEAK: int

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

    def _nodes_named(self, node_type: int, text: str) -> np.ndarray:
        """Ordinals (ascending) of the nodes of ``node_type`` named ``text``: the type is
        compared over every node, the name looked up only for the nodes of that type."""
        names = self._string_indexes(text)
        if not names.size:
            return np.zeros(0, dtype=np.int64)
        of_type = np.flatnonzero(self.node_type == node_type)
        of_type_names = self.node_name[of_type]
        if names.size > 4:
            return of_type[isin(of_type_names, names)]
        named = of_type_names == names[0]  # a text is usually once in the table
        for other in names[1:].tolist():
            named |= of_type_names == other
        return of_type[named]
