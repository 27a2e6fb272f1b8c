"""What many objects reach in a few steps along strong edges, each start walked apart: one
compiled pass per step (kernels.reach_step), no sort or hash of the whole frontier."""

from __future__ import annotations

from typing import Any

import numpy as np

from leaktui.snapshot import kernels as k
from leaktui.snapshot.graph import HeapSnapshot
from leaktui.snapshot.pipeline import DOMINATORS_BESIDE_NODES

_SCRATCH = "reach_stamp"


def reach(snap: HeapSnapshot, starts: np.ndarray, depth: int, cap: int = 48,
          skip_types: tuple[int, ...] = (), scratch: dict[str, Any] | None = None,
          together: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Objects reached from each of ``starts`` within ``depth`` steps along strong edges
    (neither weak nor shortcut), following at most the first ``cap`` edges of an object and
    entering no object of a node type in ``skip_types``: (reached ordinals, index of the start
    each came from, steps taken). The starts come first (step 0, in the order given); each
    later step lists what it reached once per start, ordered by start then ordinal (an object
    reached again at a later step is listed again).

    ``scratch`` (a dict kept for one snapshot, such as a series' cache) keeps the walk's
    node-count stamp array and its last mark between calls, so many small walks over one
    snapshot do not each allocate and fault in a fresh one.

    ``together``: the starts are walked as one (every origin is 0): each step lists an object
    once however many starts reach it there, so the walk costs what the union of their reach
    holds, and lists exactly the objects the starts reach walked apart."""
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    skip_edge = np.zeros(256, dtype=np.uint8)
    skip_edge[[snap.E_WEAK, snap.E_SHORTCUT]] = 1
    skip_node = np.zeros(256, dtype=np.uint8)
    skip_node[list(skip_types)] = 1
    frontier = starts
    source = (np.zeros if together else np.arange)(starts.size, dtype=np.int64)
    nodes, origin, steps = [frontier], [source], [np.zeros(starts.size, dtype=np.int64)]
    if depth <= 0 or not starts.size:
        return starts.copy(), source, steps[0]
    kept = None if scratch is None else scratch.get(_SCRATCH)
    if kept is not None and kept[0] is snap and kept[1].shape[0] == snap.node_count:
        stamp, mark = kept[1], kept[2]
    else:
        # Written zeros on a small heap (each page a walk reaches faults once, not twice:
        # `kernels.written_zeros`); on a big one the walks reach a small part of the array,
        # which stays unmapped.
        small = snap.node_count < DOMINATORS_BESIDE_NODES
        stamp = (k.written_zeros(snap.node_count, np.uint32) if small
                 else np.zeros(snap.node_count, dtype=np.uint32))
        mark = 0
    for step in range(1, depth + 1):
        if frontier.size == 0:
            break
        frontier, source, mark = k.reach_step(
            frontier, source, snap.first_edge, snap.edge_type, snap.edge_to, snap.node_type,
            cap, skip_edge, skip_node, stamp, mark)
        nodes.append(frontier)
        origin.append(source)
        steps.append(np.full(frontier.size, step, dtype=np.int64))
    if scratch is not None:
        scratch[_SCRATCH] = (snap, stamp, mark)
    return np.concatenate(nodes), np.concatenate(origin), np.concatenate(steps)


def release_scratch(scratch: dict[str, Any]) -> None:
    """Let go of the stamp array `reach` keeps in ``scratch`` (4 bytes a node, 58 MB on a
    1 GB snapshot): done walking, so later phases do not carry it into their peaks."""
    scratch.pop(_SCRATCH, None)
