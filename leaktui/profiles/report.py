"""The `allocations` block of the JSON report."""

from __future__ import annotations

import numpy as np

from leaktui.profiles.heapprofile import HeapProfile
from leaktui.profiles.traces import AllocationTraces
from leaktui.snapshot import HeapSnapshot


def profile_allocations(profile: HeapProfile, top: int | None = 50) -> dict[str, object]:
    sites = profile.sites()
    return {"source": "heapprofile", "path": profile.path, "total_size": profile.total,
            "native_folded": True,
            "sites": [s.to_json() for s in (sites if top is None else sites[:top])]}


def snapshot_allocations(snap: HeapSnapshot, top: int | None = 50) -> dict[str, object] | None:
    """Live objects of a tracked snapshot grouped by the function that allocated them."""
    if not AllocationTraces.available(snap):
        return None
    traces = AllocationTraces(snap)
    nodes = np.flatnonzero(snap.self_size > 0)
    sites = traces.sites_for_nodes(nodes, top=top or 1_000_000)
    return {"source": "snapshot-traces", "path": snap.path,
            "total_size": int(sum(s.size for s in sites)),
            "sites": [s.to_json() for s in sites]}
