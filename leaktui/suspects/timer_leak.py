"""`timer-leak`: live timers (Node's `Timeout` objects still linked in a timer list) scheduled
from the same callback function and never cleared, each holding its closure and arguments.

Vectorised over the whole snapshot: every Timeout's `_onTimeout` callback is resolved to its
function (shared function info; through `bound_function` for bound methods) and timers are
grouped by it; the same function (id) is counted in every snapshot."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leaktui.snapshot import HeapSnapshot
from leaktui.snapshot.older import older_summary
from leaktui.suspects.base import (
    SIZE_MARK,
    Series,
    Suspect,
    Tally,
    class_ids,
    counts_evidence,
    defined_at,
    dominant_class,
    in_node_module,
    make_suspect,
    severity_from,
    short_location,
    steady_growth,
)
from leaktui.suspects.graphops import (
    captured_objects,
    edges_and_owners,
    edges_of,
    named_targets,
    string_ids,
)

PATTERN = "timer-leak"
MIN_TIMERS = 10
BIG = 100
FACE_VALUE = 1000
MIN_STEP = 5
HOLDER_SAMPLE = 300
HOLDER_LEVELS = 4


@dataclass(frozen=True)
class TimerGroups:
    timers: np.ndarray  # live Timeout ordinals
    callbacks: np.ndarray  # their `_onTimeout` closures
    keys: np.ndarray  # id of the function each calls back (groups timers)
    intervals: np.ndarray  # bool: repeats


def timer_groups(snap: HeapSnapshot) -> TimerGroups:
    empty = np.zeros(0, dtype=np.int64)
    ids = class_ids(snap, "Timeout")
    if not ids:
        return TimerGroups(empty, empty, empty, np.zeros(0, dtype=np.bool_))
    timers = np.flatnonzero(np.isin(snap.class_id, ids) & (snap.node_type == snap.T_OBJECT))
    callbacks = named_targets(snap, timers, "_onTimeout", edge_type=snap.E_PROPERTY)
    nxt = named_targets(snap, timers, "_idleNext", edge_type=snap.E_PROPERTY)
    oddball = string_ids(snap, "system / Oddball")
    live = (callbacks >= 0) & (nxt >= 0)
    live[live] &= ~np.isin(snap.node_name[nxt[live]], oddball)  # cleared: _idleNext = null
    live[live] &= snap.node_type[callbacks[live]] == snap.T_CLOSURE
    timers, callbacks = timers[live], callbacks[live]
    shared = named_targets(snap, callbacks, "shared", edge_type=snap.E_INTERNAL)
    bound = named_targets(snap, callbacks, "bound_function", edge_type=snap.E_INTERNAL)
    via_bound = (shared < 0) & (bound >= 0)
    shared[via_bound] = named_targets(snap, bound[via_bound], "shared",
                                      edge_type=snap.E_INTERNAL)
    keys = np.where(shared >= 0, snap.node_id[np.maximum(shared, 0)].astype(np.int64),
                    -snap.node_id[callbacks].astype(np.int64))
    repeat = named_targets(snap, timers, "_repeat", edge_type=snap.E_PROPERTY)
    number = snap.node_type_names.index("number") if "number" in snap.node_type_names else -1
    intervals = (repeat < 0) | (snap.node_type[np.maximum(repeat, 0)] == number)
    return TimerGroups(timers, callbacks, keys, intervals)


@older_summary("timers")
def timers_summary(snap: HeapSnapshot) -> Tally:
    """Of an older snapshot: live timers and the bytes they alone keep, by callback function
    (the keys of `timer_groups`)."""
    groups = timer_groups(snap)
    keys, counts = np.unique(groups.keys, return_counts=True)
    return Tally(keys.astype(np.int64), counts.astype(np.int64), np.asarray(
        [_private_bytes(snap, groups.timers[groups.keys == key]) for key in keys.tolist()],
        dtype=np.int64))


def _private_bytes(snap: HeapSnapshot, timers: np.ndarray) -> int:
    """Bytes the timers alone keep alive: their callbacks and arguments (what each Timeout
    dominates, not the rest of the timer list)."""
    edges, owner = edges_and_owners(snap, timers)
    targets = snap.edge_to[edges].astype(np.int64)
    own = snap.dominator[targets].astype(np.int64) == timers[owner]
    return (int(snap.self_size[timers].sum(dtype=np.int64))
            + int(snap.retained_size[np.unique(targets[own])].sum(dtype=np.int64)))


def _holder(snap: HeapSnapshot, timers: np.ndarray) -> int:
    """What holds the timers: their most common dominator (Node's timer list for that
    duration), lifted out of Timeout chains and engine arrays. When nothing short of the root
    dominates them (the application keeps the handles too), the object most of them hang
    from, a few retainers up (the array of watchers, the Map of handles)."""
    above = snap.dominator[timers].astype(np.int64)
    doms, counts = np.unique(above, return_counts=True)
    for _ in range(HOLDER_LEVELS):  # spread over many (a list per delay): what holds those
        if counts.max() >= 0.5 * timers.size:
            break
        above = snap.dominator[above].astype(np.int64)
        doms, counts = np.unique(above, return_counts=True)
    node = _lift(snap, int(doms[int(np.argmax(counts))]), by_dominator=True)
    if int(snap.node_type[node]) != snap.T_SYNTHETIC and int(snap.distance[node]) > 1:
        return node  # not a root, nor the global object the root holds
    sample = timers[:HOLDER_SAMPLE]
    current = sample
    for _ in range(HOLDER_LEVELS):
        parents = np.asarray([p for p in (_parent(snap, int(x)) for x in current) if p >= 0],
                             dtype=np.int64)
        if parents.size == 0:
            break
        uniq, counts = np.unique(parents, return_counts=True)
        best = int(uniq[int(np.argmax(counts))])
        if counts.max() >= 0.5 * sample.size:
            return _lift(snap, best, by_dominator=False)
        current = uniq
    return _lift(snap, int(timers[0]), by_dominator=False)


def _parent(snap: HeapSnapshot, node: int) -> int:
    """The retainer nearest to a root that is not another timer of the list (-1: none)."""
    for _, src in snap.retainers(node):
        if snap.class_name(src) != "Timeout":
            return src
    return -1


def _lift(snap: HeapSnapshot, node: int, by_dominator: bool) -> int:
    for _ in range(10_000):
        if node == snap.root or int(snap.node_type[node]) == snap.T_SYNTHETIC:
            break
        if snap.class_name(node) != "Timeout" and int(snap.node_type[node]) not in (
                snap.T_ARRAY, snap.T_HIDDEN):
            break
        if by_dominator:
            node = int(snap.dominator[node])
            continue
        retainers = snap.retainers(node)  # nearest to a root first
        if not retainers:
            break
        node = retainers[0][1]
    return node


def _function_label(snap: HeapSnapshot, callback: int) -> tuple[str, str]:
    """(name for the title, name with where it is defined for the evidence)."""
    name = snap.name(callback) or "(anonymous)"
    bound = named_targets(snap, np.asarray([callback]), "bound_function",
                          edge_type=snap.E_INTERNAL)[0]
    if bound >= 0:
        name = f"bound {snap.name(int(bound)) or '(anonymous)'}"
    short = f"{name!r}" if name != "(anonymous)" else "an anonymous function"
    where_short = short_location(snap, callback) if name == "(anonymous)" else ""
    if where_short:
        short += f" ({where_short})"
    where = defined_at(snap, callback)
    return short, f"{name!r}{where}"


def detect(series: Series) -> list[Suspect]:
    snap = series.last
    groups = timer_groups(snap)
    if groups.timers.size < MIN_TIMERS:
        return []
    keys, counts_now = np.unique(groups.keys, return_counts=True)
    earlier: list[Tally] = [series.older(i, "timers") for i in range(series.size - 1)]
    out = []
    for key, count in zip(keys.tolist(), counts_now.tolist(), strict=True):
        if count < MIN_TIMERS:
            continue
        counts = [e.get(key)[0] for e in earlier] + [int(count)]
        face = count >= FACE_VALUE
        if series.size >= 2 and not steady_growth(counts, MIN_STEP) and not face:
            continue  # a steady number of timers is a schedule, not a leak
        members = groups.keys == key
        timers, callbacks = groups.timers[members], groups.callbacks[members]
        intervals = int(groups.intervals[members].sum())
        kind = "setInterval" if intervals >= count / 2 else "setTimeout"
        retained = _private_bytes(snap, timers)
        short, label = _function_label(snap, int(callbacks[0]))
        evidence = [f"{count:,} live timers (still linked in Node's timer lists, so never "
                    f"cleared) call back the same function {label}",
                    f"{intervals:,} of them repeat (setInterval)" if intervals == count else
                    "none of them repeat (no setInterval): they are timeouts that were "
                    "rescheduled (a retry loop) or are still pending" if intervals == 0 else
                    f"{intervals:,} of them repeat (setInterval); the others are timeouts that "
                    "were rescheduled (a retry loop) or are still pending"]
        held = np.concatenate([captured_objects(snap, callbacks),
                               _timer_arguments(snap, timers)])
        series.note_captured(held)
        captured = _captured_class(snap, held)
        if captured:
            evidence.append(f"their callbacks and arguments keep alive mostly {captured}")
        if series.size > 1:
            evidence.append(counts_evidence(counts, "timers"))
        severity = severity_from(counts, series.size, big=count >= BIG, face_value=face,
                                 min_step=MIN_STEP)
        if (series.size == 1 and kind == "setTimeout" and severity == "medium"
                and in_node_module(snap, int(callbacks[0]))):
            evidence.append("Node arms these timeouts for its own APIs (AbortSignal.timeout, "
                            "sockets' idle timeouts) and clears them with their owner: one "
                            "snapshot shows requests in flight; a series shows whether they "
                            "pile up")
            severity = "low"
        if kind == "setInterval":
            title = (f"{count:,} setInterval timers calling {short} were never cleared; "
                     f"they hold {SIZE_MARK}")
        else:  # still pending: rescheduled again and again, or waiting out a long delay
            title = (f"{count:,} pending setTimeout timers calling {short} (neither fired nor "
                     f"cleared) hold {SIZE_MARK}")
        advice = (f"Keep the handle {kind} returns and clear it (clearInterval/clearTimeout) "
                  "when its owner (client, tenant, connection) goes away; stop retry loops "
                  "that have nothing left to do; a long delay per request (a debounce, an "
                  "expiry timer) keeps each request's data until it fires, so cancel it when "
                  "the request is done; let the callback capture only what it needs.")
        holder = _holder(snap, timers)
        sizes = [e.get(key)[1] for e in earlier] + [retained]
        out.append(make_suspect(series, PATTERN, severity, title, holder, "Timeout", counts,
                                retained, evidence, advice, sizes=sizes, item_nodes=timers,
                                keeps=timers))
        series.claim(timers)
        series.claim(callbacks)
    return out


def _captured_class(snap: HeapSnapshot, captured: np.ndarray) -> str:
    """The most common class among what the callbacks capture."""
    name, _ = dominant_class(snap, captured)
    return "" if name == "-" else name


def _timer_arguments(snap: HeapSnapshot, timers: np.ndarray) -> np.ndarray:
    """Extra arguments passed to setInterval/setTimeout (`_timerArgs`)."""
    args = named_targets(snap, timers, "_timerArgs", edge_type=snap.E_PROPERTY)
    edges = edges_of(snap, args[args >= 0])
    edges = edges[snap.edge_type[edges] == snap.E_ELEMENT]
    return snap.edge_to[edges].astype(np.int64)
