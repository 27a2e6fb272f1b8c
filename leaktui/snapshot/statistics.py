"""DevTools' Summary rows and Statistics view of an analysed snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from leaktui.snapshot import kernels as k
from leaktui.snapshot._base import SnapshotData

NO_DISTANCE = k.NO_DISTANCE
BASE_SYSTEM_DISTANCE = k.BASE_SYSTEM_DISTANCE


@dataclass(frozen=True)
class ClassRow:
    """One row of the Summary: a class as DevTools groups it."""

    class_id: int
    key: str  # DevTools' exported class key: ",Name" or "script,line,col,Name"
    name: str
    count: int
    self_size: int
    retained_size: int
    distance: int  # minimum over instances; NO_DISTANCE or >= BASE_SYSTEM_DISTANCE: none

    @property
    def has_distance(self) -> bool:
        return 0 <= self.distance < BASE_SYSTEM_DISTANCE


@dataclass(frozen=True)
class Statistics:
    """DevTools' Statistics view (adjusted self sizes)."""

    total: int
    native_total: int
    typed_arrays: int
    v8heap_total: int
    code: int
    strings: int
    js_arrays: int
    system: int

    @property
    def other_js(self) -> int:
        return self.v8heap_total - self.code - self.strings - self.js_arrays - self.system

    @property
    def other_native(self) -> int:
        return self.native_total - self.typed_arrays

    def as_dict(self) -> dict[str, int]:
        return {
            "total": self.total, "code": self.code, "strings": self.strings,
            "js_arrays": self.js_arrays, "typed_arrays": self.typed_arrays,
            "system": self.system, "other_js": self.other_js,
            "other_native": self.other_native, "native_total": self.native_total,
            "v8heap_total": self.v8heap_total,
        }



class SnapshotStatistics(SnapshotData):
    """Aggregates per class (the Summary) and per kind of memory (the Statistics view)."""

    if TYPE_CHECKING:
        def _string_indexes(self, text: str) -> np.ndarray: ...
        def dominator_tree(self) -> tuple[np.ndarray, np.ndarray]: ...
        def exported_classes(
            self, class_id: np.ndarray, keys: list[tuple[int, int, int, int]],
            names: list[str], first: np.ndarray | None = None,
        ) -> dict[str, int]: ...

    _class_counts: tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]] | None = None
    _statistics_parts: dict[str, int] | None = None

    def _count_classes(self) -> None:
        """What the Summary and Statistics need before the dominators are known: each class's
        count, self size and distance, which classes DevTools exports, and the Statistics but
        their totals (the pipeline computes them while the dominators are computed beside)."""
        count, self_total, dist, first = k.aggregate_classes(
            self.class_id, self.self_size, self.distance, len(self.class_keys))
        winners = self.exported_classes(self.class_id, self.class_keys, self.class_names, first)
        self._class_counts = (count, self_total, dist, winners)
        self._statistics_parts = self._statistics_but_totals()

    def _aggregate(self) -> None:
        if self._class_counts is None:
            self._count_classes()
        assert self._class_counts is not None
        count, self_total, dist, winners = self._class_counts
        self._class_counts = None
        n_classes = len(self.class_keys)
        first_dominated, dominated = self.dominator_tree()
        retained = k.class_retained_sizes(first_dominated, dominated, self.class_id,
                                          self.self_size, self.retained_size, n_classes,
                                          self.root)
        del first_dominated, dominated
        rows = [ClassRow(c, key, self.class_names[c], int(count[c]), int(self_total[c]),
                         int(retained[c]), int(dist[c])) for key, c in winners.items()]
        rows.sort(key=lambda r: (-r.retained_size, r.key))
        self.class_rows = rows
        self.class_retained = retained

    def summary(self) -> list[ClassRow]:
        """Every class, largest retained size first (DevTools' Summary)."""
        return self.class_rows

    @cached_property
    def total_size(self) -> int:
        return int(self.retained_size[self.root]) + self.extra_native_bytes

    def _statistics(self) -> Statistics:
        parts = self._statistics_parts
        if parts is None:
            parts = self._statistics_but_totals()
        self._statistics_parts = None
        total = self.total_size
        return Statistics(total=total, v8heap_total=total - parts["native_total"], **parts)

    def _statistics_but_totals(self) -> dict[str, int]:
        """The Statistics but `total` and `v8heap_total` (which read the retained sizes)."""
        ntype = self.node_type
        size = self.self_size
        by_type = k.sum_by_type(ntype, size, len(self.node_type_names) + 1)

        def of(*types: int) -> int:
            return int(sum(by_type[t] for t in types if t >= 0))

        system = of(self.T_HIDDEN)
        native_mask = ntype == self.T_NATIVE
        native = self.extra_native_bytes + of(self.T_NATIVE)
        jsab = self._string_indexes("system / JSArrayBufferData")
        typed = 0
        if jsab.size:
            natives = np.flatnonzero(native_mask)
            natives = natives[np.isin(self.display_name_index[natives], jsab)]
            typed = int(size[natives].sum(dtype=np.int64))
        code = of(self.T_CODE)
        strings = of(self.T_STRING, self.T_CONS, self.T_SLICED)
        excluded = [t for t in (self.T_HIDDEN, self.T_NATIVE, self.T_CODE, self.T_STRING,
                                self.T_CONS, self.T_SLICED) if t >= 0]
        is_array_name = np.zeros(len(self.strings), dtype=np.bool_)
        is_array_name[self._string_indexes("Array")] = True
        is_elements = np.zeros(len(self.strings), dtype=np.bool_)
        is_elements[self._string_indexes("elements")] = True
        skip_type = np.zeros(len(self.node_type_names) + 1, dtype=np.bool_)
        skip_type[excluded] = True
        js_arrays = k.js_array_sizes(ntype, self.node_name, is_array_name, skip_type,
                                     self.first_edge, self.edge_type, self.edge_name,
                                     self.edge_to, self.first_retainer, size, self.E_INTERNAL,
                                     is_elements)
        return {"native_total": native, "typed_arrays": typed, "code": code,
                "strings": strings, "js_arrays": js_arrays, "system": system}
