"""The `allocations` block of the JSON report:

    {"source": "heapprofile" | "snapshot-traces", "path": str, "total_size": int,
     "sites": [{"function", "script", "line", "column", "self_size", "total_size"}, ...]}

Sites come largest self size first; lines and columns are 1-based (0 unknown). From a heap
profile, ``total_size`` is the live sampled bytes and builtins are charged to their callers
(``native_folded``); ``dangling_samples`` counts samples naming nodes the tree lacks. From a
tracked snapshot, sites group the live objects (self size > 0) by the innermost frame of
their allocation stack; each site also has ``count`` (objects), ``total_size`` is the bytes of
the objects with a stack (the sum of the sites' self sizes), and ``untracked_count`` /
``untracked_size`` are the objects without one (allocated before tracking started, or outside
any JS function)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from leaktui.profiles.heapprofile import HeapProfile
from leaktui.snapshot.traces import AllocationTraces

if TYPE_CHECKING:
    from leaktui.snapshot import HeapSnapshot

DEFAULT_TOP = 50


def allocations_report(source: HeapProfile | AllocationTraces,
                       top: int | None = DEFAULT_TOP) -> dict[str, object]:
    """The report block for a heap profile or a tracked snapshot's traces; ``top`` limits
    the sites listed (None: all)."""
    if isinstance(source, HeapProfile):
        return _profile_block(source, top)
    return _traces_block(source, top)


def _profile_block(profile: HeapProfile, top: int | None) -> dict[str, object]:
    sites = profile.sites(fold_native=True)
    return {"source": "heapprofile", "path": profile.path, "total_size": profile.total,
            "native_folded": True, "node_count": profile.node_count,
            "sample_count": profile.sample_count,
            "dangling_samples": profile.dangling_samples,
            "sites": [s.to_json() for s in _head(sites, top)]}


def _traces_block(traces: AllocationTraces, top: int | None) -> dict[str, object]:
    nodes = traces.live_nodes()
    tids = traces.trace_node_id[nodes]
    sizes = traces.snap.self_size[nodes]
    sites = traces.tree.sites_for_nodes(tids, sizes, top=top)
    traced_count, traced_size = traces.tree.coverage(tids, sizes)
    return {"source": "snapshot-traces", "path": traces.path, "total_size": traced_size,
            "untracked_count": int(nodes.shape[0]) - traced_count,
            "untracked_size": int(np.asarray(sizes).sum()) - traced_size,
            "sites": [s.to_json() for s in sites]}


def _head(sites: list, top: int | None) -> list:  # type: ignore[type-arg]
    return sites if top is None else sites[:max(top, 0)]


def profile_allocations(profile: HeapProfile, top: int | None = DEFAULT_TOP
                        ) -> dict[str, object]:
    """The block for a heap profile (the report command's entry point)."""
    return allocations_report(profile, top)


def snapshot_allocations(snap: HeapSnapshot, top: int | None = DEFAULT_TOP
                         ) -> dict[str, object] | None:
    """The block for a snapshot, or None when it was taken without allocation tracking."""
    traces = AllocationTraces.of(snap)
    return None if traces is None else allocations_report(traces, top)
