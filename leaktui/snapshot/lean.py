"""The base of a comparison kept lean: what DevTools' Comparison, the series order and the
survivors read of an older snapshot, without its graph.

Comparing A and B needs of A per node only its id, adjusted self size, class (as named in A,
and as re-named with B's `{a, b}` interface definitions) and node type; per plain object its set
of property names (one set per distinct shape). A `LeanSnapshot` holds exactly that (about 30
bytes per node against the ~100 of an analysed snapshot with its edges, retainers and dominator
tree), so a series costs one full snapshot plus a lean part per older one.

`load_lean(path)` makes one straight from a file: it reads the file and runs only the steps the
class names depend on (DOM state, shallow-size folding, class naming and interfaces), never the
reverse graph, dominators, distances or the dominator tree; the edges are freed with the rest
of the file's arrays when it returns. `LeanSnapshot.of(snap)` keeps the lean part of a snapshot
already analysed (then drop the full one).

What an older snapshot is asked here: `path`, `node_count`, `node_id`, `node_type`,
`self_size`, `class_id`, `class_keys`, `class_names`, `max_js_object_id`, `ordinals_of_ids`,
`ordinal_of_id`, `reclassified`, `class_ids_for`, `exported_classes`; for the report its class
rows (`summary()`), `statistics` and `total_size`. The growing holders and the leak-suspect
detectors read more of an older snapshot (entry counts and retained sizes of its collections,
its timers, listeners, closures, linked lists): each such read is an older-snapshot summary
(`older.py`), taken by `LeanSnapshot.of` while the full snapshot is still loaded. A snapshot
from `load_lean` has no retained sizes, so neither class rows nor summaries: it serves a
comparison only.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from leaktui.snapshot import classes as cls
from leaktui.snapshot import kernels as k
from leaktui.snapshot.graph import HeapSnapshot
from leaktui.snapshot.loader import ProgressCallback, load_raw
from leaktui.snapshot.naming import ClassNaming
from leaktui.snapshot.objects import IdLookups
from leaktui.snapshot.older import SummariesTaken, summaries_nbytes
from leaktui.snapshot.pipeline import Timings
from leaktui.snapshot.statistics import ClassRow, Statistics

SUMMARIES_BESIDE = ("collections", "chains")
"""Older-snapshot summaries taken on second threads while the others and the rest of the lean
part are made here: those whose work is mostly compiled kernels (which release the GIL), the
collections (`growth`) and the linked-list chains (`suspects.linked_list`). On a 1 GB base:
2.1-2.5 s one after the other, 1.0-1.1 s so in most runs (two cores, shared)."""


class _NamesInUse(dict[int, str]):
    """The snapshot's strings that name a class, by string index (the rest are not kept)."""

    def __init__(self, texts: dict[int, str], length: int) -> None:
        super().__init__(texts)
        self.length = length

    def __len__(self) -> int:
        return self.length


class LeanSnapshot(ClassNaming, IdLookups):
    """An older snapshot of a comparison or series, without its graph (see the module doc).
    Class naming methods (`class_ids_for`, `exported_classes`, `reclassified`) are those of an
    analysed snapshot, run on the kept arrays."""

    is_lean = True

    def __init__(self, snap: HeapSnapshot, analysed: bool = True) -> None:
        """The lean part of ``snap``; with ``analysed`` (its retained sizes are known) also its
        class rows, statistics and every older-snapshot summary."""
        self.analysed = analysed
        self.summaries: dict[str, Any] = {}
        self.class_rows: list[ClassRow] = []
        self._total_size = 0
        if not analysed:
            self._keep(snap)
            return
        import leaktui.snapshot.growth  # noqa: F401  (registers its summary)

        # Started first: those on second threads run while the arrays are copied here.
        taking = SummariesTaken(snap, SUMMARIES_BESIDE)
        try:
            self._keep(snap)
            self.class_rows = list(snap.summary())
            self.statistics: Statistics = snap.statistics
            self._total_size = int(snap.total_size)
        except BaseException:
            taking.wait()
            raise
        self.summaries = taking.result()

    def _keep(self, snap: HeapSnapshot) -> None:
        """The lean part's arrays (copies) and class names."""
        self.path = snap.path
        self.header = snap.header
        self.timings = Timings(dict(snap.timings.phases))
        self.node_count = snap.node_count
        self.edge_count = snap.edge_count
        self.node_type_names = snap.node_type_names
        self.edge_type_names = snap.edge_type_names
        self.root = snap.root
        self.T_OBJECT = snap.T_OBJECT
        # Copies: the analysed snapshot's arrays are rows of the file's node matrix, which a
        # view would keep alive whole.
        self.node_id = np.array(snap.node_id, dtype=np.uint32)
        self.node_type = np.array(snap.node_type, dtype=np.uint8)
        self.self_size = np.array(snap.self_size)  # uint32, or int64 past 4 GiB folded
        self.class_id = np.array(snap.class_id, dtype=np.int32)
        self.class_sidx = np.array(snap.class_sidx, dtype=np.uint32)
        self.class_keys = list(snap.class_keys)
        self.class_names = list(snap.class_names)
        self.interfaces = list(snap.interfaces)
        self.plain_objects = np.array(snap.plain_objects, dtype=np.int64)
        self._plain_raw_name = np.array(snap.node_name[self.plain_objects], dtype=np.int64)
        self._plain_shape, self._shapes = cls.plain_object_shapes(
            self.plain_objects, snap.strings, snap.first_edge, snap.edge_type, snap.edge_name,
            snap.E_PROPERTY)
        self.__dict__["locations"] = tuple(np.array(a) for a in snap.locations)
        st = snap.string_table
        used = np.flatnonzero(k.values_used(self.class_sidx, st.base + len(st.added)))
        kept = {int(s): st[int(s)] for s in used.tolist() if s < st.base}
        table = cls.ClassNameTable(_NamesInUse(kept, st.base))  # type: ignore[arg-type]
        table.added = list(st.added)
        table._pools = {pool: dict(texts) for pool, texts in st._pools.items()}
        self.string_table = table
        cached = snap.__dict__.get("_ids_sorted")
        if cached is not None:
            self.__dict__["_ids_sorted"] = (np.array(cached[0]), np.array(cached[1]))

    @classmethod
    def of(cls, snap: HeapSnapshot) -> LeanSnapshot:
        """The lean part of an analysed snapshot, with every older-snapshot summary registered
        so far (import `leaktui.suspects` first for the detectors' own)."""
        snap.finish_passes()  # the summaries read what they find
        return cls(snap)

    def _analysed(self) -> None:
        if not self.analysed:
            raise LookupError(f"{self.path}: kept lean for a comparison only (no retained "
                              "sizes were computed)")

    def summary(self) -> list[ClassRow]:
        """The class rows of the full snapshot (DevTools' Summary)."""
        self._analysed()
        return self.class_rows

    @property
    def total_size(self) -> int:
        self._analysed()
        return self._total_size

    def _apply_interfaces(self, st: cls.ClassNameTable, class_sidx: np.ndarray,
                          definitions: list[cls.InterfaceDefinition]) -> None:
        """As an analysed snapshot does, from the kept shapes of the plain objects."""
        if self.plain_objects.size == 0:
            return
        per_shape = cls.match_shapes(definitions, self._shapes)
        shape_sidx = np.asarray([-1 if m is None else st.add(m, "interface")
                                 for m in per_shape] or [-1], dtype=np.int64)
        values = shape_sidx[self._plain_shape]
        class_sidx[self.plain_objects] = np.where(values >= 0, values, self._plain_raw_name
                                                  ).astype(class_sidx.dtype)

    @property
    def nbytes(self) -> int:
        """Bytes held in arrays (what keeping this snapshot costs, roughly)."""
        arrays = [v for v in vars(self).values() if isinstance(v, np.ndarray)]
        arrays += [*self.locations, *self._ids_sorted]
        return sum(a.nbytes for a in arrays) + summaries_nbytes(self.summaries)


AnySnapshot = HeapSnapshot | LeanSnapshot
"""A snapshot as an older one of a comparison or series may be given."""


class _ClassesOnly(HeapSnapshot):
    """A snapshot analysed only as far as its class names and adjusted sizes need."""

    def _analyse(self) -> None:
        t0 = time.perf_counter()
        self._step("propagating DOM state", 0.1)
        self.detachedness = self._initial_detachedness()
        self.renamed_detached = self._propagate_dom_state()
        t0 = self.timings.record("dom state", t0)
        self._step("folding shallow sizes", 0.3)
        self._fold_sizes()  # the file's sizes are not kept here (no `raw_self_size`)
        t0 = self.timings.record("shallow sizes", t0)
        self._step("naming classes", 0.7)
        self._compute_classes()
        self.timings.record("classes", t0)
        self._step("done", 1.0)


def load_lean(path: str, progress: ProgressCallback | None = None) -> LeanSnapshot:
    """Read a snapshot file and keep only its lean part (see the module doc)."""
    started = time.perf_counter()
    raw = load_raw(path, progress)
    read_time = time.perf_counter() - started
    snap = _ClassesOnly(raw, progress)
    snap.timings.phases = {"read": read_time, **snap.timings.phases}
    del raw
    lean = LeanSnapshot(snap, analysed=False)
    del snap
    return lean
