"""`timer-leak`: many live timers (`Timeout` objects) scheduled from the same callback, never
cleared, each holding its closure."""

from __future__ import annotations

import numpy as np

from leaktui.snapshot import HeapSnapshot
from leaktui.suspects.base import (
    Series,
    Suspect,
    human,
    make_suspect,
    severity_from,
    steady_growth,
)

MIN_TIMERS = 10


def _edge_target(snap: HeapSnapshot, node: int, name: str) -> int:
    for e in snap.edges(node):
        if snap.edge_name_text(e) == name:
            return int(snap.edge_to[e])
    return -1


def timer_groups(snap: HeapSnapshot) -> dict[int, list[int]]:
    """Live Timeout objects grouped by the function they call back (its shared info id)."""
    ids = [r.class_id for r in snap.summary() if r.name == "Timeout"]
    groups: dict[int, list[int]] = {}
    if not ids:
        return groups
    for t in np.flatnonzero(np.isin(snap.class_id, ids)).tolist():
        callback = _edge_target(snap, t, "_onTimeout")
        if callback < 0 or int(snap.node_type[callback]) != snap.T_CLOSURE:
            continue
        shared = _edge_target(snap, callback, "shared")
        if shared < 0:  # a bound function: group by the function it binds
            bound = _edge_target(snap, callback, "bound_function")
            shared = _edge_target(snap, bound, "shared") if bound >= 0 else -1
        key = int(snap.node_id[shared]) if shared >= 0 else -int(snap.node_id[callback])
        groups.setdefault(key, []).append(t)
    return groups


def _is_interval(snap: HeapSnapshot, timer: int) -> bool:
    """`_repeat` is null (an edge to an oddball) for timeouts and a number (usually a small
    integer, so no edge at all) for intervals."""
    target = _edge_target(snap, timer, "_repeat")
    return target < 0 or int(snap.node_type[target]) == snap.node_type_names.index("number")


def _holder(snap: HeapSnapshot, timers: list[int]) -> int:
    """The object that holds the timers: climb the dominator tree out of the Timeout chain."""
    node = timers[0]
    for _ in range(100_000):
        if snap.class_name(node) != "Timeout" or node == snap.root:
            break
        node = int(snap.dominator[node])
    while int(snap.node_type[node]) in (snap.T_ARRAY, snap.T_HIDDEN) and node != snap.root:
        node = int(snap.dominator[node])
    return node


def detect(series: Series, claimed: set[int]) -> list[Suspect]:
    snap = series.last
    out = []
    history = [timer_groups(s) for s in series.snaps[:-1]]
    for key, timers in timer_groups(snap).items():
        count = len(timers)
        if count < MIN_TIMERS:
            continue
        counts = [len(h.get(key, [])) for h in history] + [count]
        rising = steady_growth(counts, 5)
        if series.size >= 2 and not rising:
            continue
        severity = severity_from(counts, series.size, big=count >= 100, min_step=5)
        callback = _edge_target(snap, timers[0], "_onTimeout")
        fn = snap.name(callback) or "(anonymous)"
        bound = _edge_target(snap, callback, "bound_function")
        if bound >= 0:
            fn = f"bound {snap.name(bound) or '(anonymous)'}"
        loc = snap.location(callback)
        where = f" defined at script {loc.script_id} line {loc.line + 1}" if loc else ""
        intervals = sum(_is_interval(snap, t) for t in timers)
        kind = "setInterval" if intervals >= count / 2 else "setTimeout"
        retained = int(sum(int(snap.retained_size[int(_edge_target(snap, t, "_onTimeout"))])
                           for t in timers))
        holder = _holder(snap, timers)
        out.append(make_suspect(
            snap, "timer-leak", severity,
            f"{count:,} {kind} timers running {fn!r} never cleared; their callbacks hold "
            f"{human(retained)}",
            holder, "Timeout", counts, retained,
            [f"{count:,} live timers call back the same function {fn!r}{where}",
             f"{intervals:,} of them repeat (intervals)"],
            f"Keep the handle {kind} returns and clear it (clearInterval/clearTimeout) "
            "when its owner (tenant, connection, request) goes away; stop rescheduling "
            "retry loops that no longer have work; capture only what the callback needs.",
            unit="timers"))
        claimed.update(timers)
        claimed.add(holder)
        claimed.update(int(_edge_target(snap, t, "_onTimeout")) for t in timers)
    return out
