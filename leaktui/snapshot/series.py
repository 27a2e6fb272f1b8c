"""A series of snapshots put in the order they were taken, and checked to be of one process.

V8 gives each heap object an id when a snapshot first sees it, and ids only grow within a
process: a later snapshot's largest JS object id is larger. So the series is ordered by that,
whatever the order of the file names. Within one process an object keeps its id, so an id that
two snapshots share names the same object, of the same class, in both. Snapshots of different
processes share ids too (ids are handed out in a similar order at startup), but for other
objects: their classes disagree. The share of shared ids whose class or node type disagree
decides, with all the work done on sorted id arrays.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from leaktui.errors import LeakTuiError
from leaktui.snapshot import kernels as k
from leaktui.snapshot.lean import AnySnapshot

CHUNK = 1 << 22  # ids of the newer snapshot looked up at once
MAX_DISAGREEMENT = 0.02
"""Share of the ids two snapshots of one process share whose class or type may differ: in one
process it is 0 (measured on Node 20 series), between two runs of the same program 7 to 9%,
between different programs 35% and more."""


@dataclass(frozen=True)
class SeriesOrder:
    """Snapshots oldest first, whether they are of one process, and what to tell the user."""

    snaps: list[AnySnapshot]  # the last may have to be full for what reads it
    order: list[int]  # index in the given list of each snapshot, oldest first
    one_process: bool = True
    warnings: list[str] = field(default_factory=list)

    @property
    def reordered(self) -> bool:
        return self.order != sorted(self.order)


def disagreement(older: AnySnapshot, newer: AnySnapshot) -> tuple[int, float]:
    """(JS object ids of ``newer`` at most ``older``'s largest, share of them that ``older``
    lacks or holds with another class or node type). Objects born before ``older`` and alive in
    ``newer`` must be in ``older`` as the same object if both are of one process."""
    limit = older.max_js_object_id
    vocab: dict[str, int] = {}
    code_old = np.array([vocab.setdefault(n, len(vocab)) for n in older.class_names],
                        dtype=np.int64)
    code_new = np.array([vocab.setdefault(n, len(vocab)) for n in newer.class_names],
                        dtype=np.int64)
    sorted_ids, order = older._ids_sorted
    if sorted_ids.dtype == np.uint32 and newer.node_id.dtype == np.uint32:
        shared, agreeing = k.id_agreement(
            sorted_ids, np.ascontiguousarray(order, dtype=np.int64),
            np.ascontiguousarray(older.class_id, dtype=np.int32), code_old,
            np.ascontiguousarray(older.node_type, dtype=np.uint8),
            np.ascontiguousarray(newer.node_id),
            np.ascontiguousarray(newer.class_id, dtype=np.int32), code_new,
            np.ascontiguousarray(newer.node_type, dtype=np.uint8), limit)
    else:
        shared, agreeing = _agreement_by_search(older, newer, limit, code_old, code_new)
    if shared == 0:
        return 0, 0.0
    return shared, float(1.0 - agreeing / shared)


def _agreement_by_search(older: AnySnapshot, newer: AnySnapshot, limit: int,
                         code_old: np.ndarray, code_new: np.ndarray) -> tuple[int, int]:
    """`disagreement`'s counts by binary search, a chunk of ids at a time (ids past 32 bits)."""
    shared = agreeing = 0
    for start in range(0, newer.node_count, CHUNK):  # bounded temporaries on a huge series
        ids = newer.node_id[start:start + CHUNK].astype(np.int64)
        sel = np.flatnonzero(((ids & 1) == 1) & (ids <= limit))
        if sel.size == 0:
            continue
        ords = older.ordinals_of_ids(ids[sel])
        found = ords >= 0
        nb, no = sel[found] + start, ords[found]
        agreeing += int(((code_new[newer.class_id[nb].astype(np.int64)]
                          == code_old[older.class_id[no].astype(np.int64)])
                         & (newer.node_type[nb] == older.node_type[no])).sum())
        shared += int(sel.size)
    return shared, agreeing


def order_series(snaps: Sequence[AnySnapshot]) -> SeriesOrder:
    """The snapshots oldest first by their content, checked to be of one process."""
    snaps = list(snaps)
    order = sorted(range(len(snaps)), key=lambda i: (snaps[i].max_js_object_id, i))
    ordered = [snaps[i] for i in order]
    warnings: list[str] = []
    if order != list(range(len(snaps))):
        warnings.append("snapshots reordered oldest first by their object ids: "
                        + ", ".join(os.path.basename(s.path) for s in ordered))
    one_process = True
    for older, newer in zip(ordered, ordered[1:], strict=False):
        shared, share = disagreement(older, newer)
        if shared == 0 or share > MAX_DISAGREEMENT:
            one_process = False
            why = (f"{share:.0%} of the objects they share by id differ in class"
                   if shared else "they share no object ids")
            warnings.append(
                f"{os.path.basename(older.path)} and {os.path.basename(newer.path)} are not "
                f"snapshots of one process ({why}): survivors, growing holders and growth "
                "across the series are off; the class comparison stays")
            break
    return SeriesOrder(ordered, order, one_process, warnings)


Loader = Callable[[str], AnySnapshot]


@dataclass(frozen=True)
class LoadedSeries:
    snaps: list[AnySnapshot]  # in the order given
    warnings: list[str]  # one per file left out, naming it and the problem


def load_series(paths: Sequence[str], loader: Loader) -> LoadedSeries:
    """Load every path; a file that cannot be used is left out with a warning naming it, and
    only when none can be used is that an error (the first file's)."""
    snaps: list[AnySnapshot] = []
    warnings: list[str] = []
    first: LeakTuiError | None = None
    for path in paths:
        try:
            snaps.append(loader(path))
        except LeakTuiError as exc:
            first = first or exc
            warnings.append(f"left out {exc}")
    if not snaps and first is not None:
        raise first
    return LoadedSeries(snaps, warnings)
