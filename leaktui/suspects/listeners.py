"""`listener-leak`: listeners piling up on one event of an emitter (`_events.<name>`)."""

from __future__ import annotations

import numpy as np

from leaktui.snapshot import HeapSnapshot
from leaktui.suspects.base import (
    Series,
    Suspect,
    entry_targets,
    human,
    make_suspect,
    path_text,
    severity_from,
    steady_growth,
)

MIN_LISTENERS = 11  # Node warns past 10 (MaxListenersExceededWarning)
FACE_VALUE = 1000  # this many listeners on one event is a leak on its face


def listener_sets(snap: HeapSnapshot) -> list[tuple[int, str, int, int]]:
    """(emitter, event name, holder node, listener count) for every event of every emitter
    with more than a handful of listeners."""
    names = snap.strings.indexes_of(["_events"])["_events"]
    if not names:
        return []
    edges = np.flatnonzero(np.isin(snap.edge_name, names) & (snap.edge_type == snap.E_PROPERTY))
    out = []
    seen: set[int] = set()
    for e in edges.tolist():
        events = int(snap.edge_to[e])
        if events in seen:
            continue
        seen.add(events)
        emitter = snap.edge_source(e)
        for ee in snap.edges(events):
            if int(snap.edge_type[ee]) != snap.E_PROPERTY:
                continue
            event = snap.edge_name_text(ee)
            if event == "__proto__":
                continue
            target = int(snap.edge_to[ee])
            if snap.class_name(target) != "Array":
                continue
            members = entry_targets(snap, target)
            count = int((snap.node_type[members] == snap.T_CLOSURE).sum())
            if count >= MIN_LISTENERS:
                out.append((emitter, event, target, count))
    return out


def _count_in(snap: HeapSnapshot, emitter_id: int, event: str) -> int:
    emitter = snap.ordinal_of_id(emitter_id)
    if emitter is None:
        return -1
    for e in snap.edges(emitter):
        if snap.edge_name_text(e) == "_events":
            events = int(snap.edge_to[e])
            for ee in snap.edges(events):
                if snap.edge_name_text(ee) == event:
                    target = int(snap.edge_to[ee])
                    if int(snap.node_type[target]) == snap.T_CLOSURE:
                        return 1
                    members = entry_targets(snap, target)
                    return int((snap.node_type[members] == snap.T_CLOSURE).sum())
            return 0
    return 0


def detect(series: Series, claimed: set[int]) -> list[Suspect]:
    snap = series.last
    out = []
    for emitter, event, holder, count in listener_sets(snap):
        emitter_id = int(snap.node_id[emitter])
        counts = [_count_in(s, emitter_id, event) for s in series.snaps[:-1]] + [count]
        grown = [max(c, 0) for c in counts]
        rising = steady_growth(grown, 5)
        if series.size >= 2 and not rising and count < FACE_VALUE:
            continue  # a stable number of listeners is a design choice, not a leak
        severity = severity_from(grown, series.size, big=count >= 100,
                                 face_value=count >= FACE_VALUE, min_step=5)
        retained = int(snap.retained_size[holder])
        emitter_class = snap.class_name(emitter)
        out.append(make_suspect(
            snap, "listener-leak", severity,
            f"{count:,} '{event}' listeners on {emitter_class} @{emitter_id} hold "
            f"{human(retained)}",
            holder, "Function", counts, retained,
            [f"{count:,} listeners for '{event}' on one {emitter_class} (Node warns past 10)",
             f"at {path_text(snap.path_names(holder))}"],
            f"Remove the listener when its subscriber goes away "
            f"(emitter.off('{event}', fn) / removeListener, or an AbortSignal passed "
            f"to on()), or use once() for one-shot handlers; do not register a "
            f"listener per request or per session on a long-lived emitter.",
            unit="listeners"))
        claimed.add(holder)
        claimed.update(int(x) for x in entry_targets(snap, holder))
    return out
