"""`listener-leak`: listeners piling up on one event of one emitter, each holding what it
closed over.

Two shapes of Node's own emitters are read, vectorised over the whole snapshot: EventEmitter
(`_events.<event>` is a function or an array of functions) and EventTarget/AbortSignal (a
linked list of `Listener` records per event type in its events map). The same emitter (id) and
event are counted in every snapshot."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from leaktui.snapshot import HeapSnapshot
from leaktui.snapshot.older import older_summary
from leaktui.suspects.base import (
    SIZE_MARK,
    Series,
    Suspect,
    class_ids,
    counts_evidence,
    defined_at,
    dominant_class,
    make_suspect,
    object_label,
    severity_from,
    steady_growth,
)
from leaktui.suspects.graphops import (
    captured_objects,
    chain_heads,
    edges_and_owners,
    edges_of,
    named_targets,
    string_ids,
)

PATTERN = "listener-leak"
MIN_LISTENERS = 11  # Node warns past 10 (MaxListenersExceededWarning)
BIG = 100
FACE_VALUE = 1000  # this many listeners on one event is a leak on its face
MIN_STEP = 5
MANY_EVENTS = 50  # distinct event names on one emitter: names made per id or per request
ANY_EVENT = "*"


@dataclass(frozen=True)
class ListenerSet:
    emitter: int  # ordinal of the EventEmitter / EventTarget
    event: str
    holder: int  # the listeners array (EventEmitter) or the list head (EventTarget)
    count: int
    listeners: np.ndarray  # all the listener functions (each count shown is of all of them)
    kind: str  # "EventEmitter" or "EventTarget"


def emitter_sets(snap: HeapSnapshot, min_count: int,
                 emitter_ids: np.ndarray | None = None) -> list[ListenerSet]:
    """Events of EventEmitters with at least ``min_count`` listeners (only of the emitters
    with these ids, when given: the earlier snapshots of a series)."""
    names = string_ids(snap, "_events")
    if names.size == 0:
        return []
    # One pass over the edges' names per name (rarely more than one), then the types of the
    # few found: no edge-sized mask beyond the comparison's own.
    edges = np.sort(np.concatenate([np.flatnonzero(snap.edge_name == name)
                                    for name in names.tolist()]))
    edges = edges[snap.edge_type[edges] == snap.E_PROPERTY]
    events, first = np.unique(snap.edge_to[edges].astype(np.int64), return_index=True)
    emitters = snap.edge_sources(edges[first])
    props, owner = edges_and_owners(snap, events)
    keep = (snap.edge_type[props] == snap.E_PROPERTY) & ~np.isin(
        snap.edge_name[props], string_ids(snap, "__proto__"))
    props, owner = props[keep], owner[keep]
    targets = snap.edge_to[props].astype(np.int64)
    is_array = np.isin(snap.class_id[targets], class_ids(snap, "Array"))
    arrays = targets[is_array]
    members, member_owner = edges_and_owners(snap, arrays)
    fn = (snap.edge_type[members] == snap.E_ELEMENT) & (
        snap.node_type[snap.edge_to[members]] == snap.T_CLOSURE)
    counts = np.zeros(targets.size, dtype=np.int64)
    counts[np.flatnonzero(is_array)] = np.bincount(member_owner[fn], minlength=arrays.size)
    counts[snap.node_type[targets] == snap.T_CLOSURE] = 1
    # every listener function with the index into ``targets`` of the event holding it
    direct = np.flatnonzero(snap.node_type[targets] == snap.T_CLOSURE)
    functions = np.concatenate([targets[direct], snap.edge_to[members[fn]].astype(np.int64)])
    function_event = np.concatenate([direct, np.flatnonzero(is_array)[member_owner[fn]]])
    wanted = np.ones(events.size, dtype=np.bool_)
    if emitter_ids is not None:
        wanted = np.isin(snap.node_id[emitters].astype(np.int64), emitter_ids)
    out = _many_events(snap, events[wanted], emitters[wanted], np.flatnonzero(wanted),
                       owner, counts, functions, owner[function_event], min_count)
    for i in np.flatnonzero((counts >= min_count) & wanted[owner]).tolist():
        holder = int(targets[i])
        own = edges_of(snap, np.asarray([holder]))
        own = own[snap.edge_type[own] == snap.E_ELEMENT]
        listeners = snap.edge_to[own].astype(np.int64)
        listeners = listeners[snap.node_type[listeners] == snap.T_CLOSURE]
        if int(snap.node_type[holder]) == snap.T_CLOSURE:
            listeners = np.asarray([holder], dtype=np.int64)
        out.append(ListenerSet(int(emitters[owner[i]]), snap.edge_name_text(int(props[i])),
                               holder, int(counts[i]), listeners, "EventEmitter"))
    return out


@dataclass(frozen=True)
class ListenerCounts:
    """Of an older snapshot: (listeners, bytes their holder retains) by (emitter id, event)
    for every event with a listener, and by (list head id, "") for EventTargets."""

    by_key: dict[tuple[int, str], tuple[int, int]]

    @property
    def nbytes(self) -> int:  # a dict entry, its tuples and ints, the event name
        return sum(160 + len(event) for _, event in self.by_key)


@older_summary("listeners")
def listeners_summary(snap: HeapSnapshot) -> ListenerCounts:
    known: dict[tuple[int, str], tuple[int, int]] = {
        (int(snap.node_id[x.emitter]), x.event): (x.count, int(snap.retained_size[x.holder]))
        for x in emitter_sets(snap, 1)}
    known.update({(head, ""): value for head, value in target_counts(snap).items()})
    return ListenerCounts(known)


def _many_events(snap: HeapSnapshot, events: np.ndarray, emitters: np.ndarray,
                 rows: np.ndarray, owner: np.ndarray, counts: np.ndarray,
                 functions: np.ndarray, function_row: np.ndarray,
                 min_count: int) -> list[ListenerSet]:
    """Emitters with listeners on very many distinct events (`on('job:' + id, fn)`): one set
    per emitter, holder its `_events` object. ``rows``: index of each of ``events`` in the
    arrays ``owner`` refers to; ``functions``: every listener, of the `_events` row
    ``function_row``."""
    size = max(int(owner.max(initial=-1)), int(rows.max(initial=-1))) + 1
    per_emitter = np.bincount(owner, minlength=size)
    listeners_total = np.bincount(owner, weights=counts, minlength=per_emitter.size)
    out = []
    for j, row in enumerate(rows.tolist()):
        if per_emitter[row] < max(MANY_EVENTS, min_count):
            continue
        out.append(ListenerSet(int(emitters[j]), ANY_EVENT, int(events[j]),
                               int(listeners_total[row]), functions[function_row == row],
                               "EventEmitter"))
    return out


def target_sets(snap: HeapSnapshot, min_count: int) -> list[ListenerSet]:
    """Event types of EventTargets (AbortSignal, MessagePort, ...) with at least
    ``min_count`` listeners: `Listener` records chained by `previous` to a list head."""
    ids = class_ids(snap, "Listener")
    if not ids:
        return []
    records = np.flatnonzero(np.isin(snap.class_id, ids) & (snap.node_type == snap.T_OBJECT))
    if records.size < min_count:
        return []
    previous = named_targets(snap, records, "previous", edge_type=snap.E_PROPERTY)
    heads = chain_heads(snap, records, previous)
    heads_u, counts = np.unique(heads[heads >= 0], return_counts=True)
    out = []
    for head, count in zip(heads_u.tolist(), counts.tolist(), strict=True):
        if count < min_count:
            continue
        found = _event_of_head(snap, head)
        if found is None:
            continue
        target, event = found
        members = records[heads == head]
        callbacks = named_targets(snap, members, "callback", "listener")
        callbacks = callbacks[callbacks >= 0]
        out.append(ListenerSet(target, event, head, int(count), callbacks, "EventTarget"))
    return out


def target_counts(snap: HeapSnapshot) -> dict[int, tuple[int, int]]:
    """Listener count and retained bytes per EventTarget list head (by id)."""
    ids = class_ids(snap, "Listener")
    if not ids:
        return {}
    records = np.flatnonzero(np.isin(snap.class_id, ids) & (snap.node_type == snap.T_OBJECT))
    previous = named_targets(snap, records, "previous", edge_type=snap.E_PROPERTY)
    heads = chain_heads(snap, records, previous)
    heads_u, counts = np.unique(heads[heads >= 0], return_counts=True)
    return {int(h): (int(c), int(r)) for h, c, r in zip(
        snap.node_id[heads_u].tolist(), counts.tolist(), snap.retained_size[heads_u].tolist(),
        strict=True)}


def _event_of_head(snap: HeapSnapshot, head: int) -> tuple[int, str] | None:
    """(EventTarget, event type) of a listener list head stored in its events Map."""
    for _, table in snap.retainers(head):
        if int(snap.node_type[table]) != snap.T_ARRAY:
            continue
        slot = {snap.edge_name_text(e): int(snap.edge_to[e]) for e in snap.edges(table)}
        here = [k for k, v in slot.items() if v == head and k.isdigit()]
        if not here:
            continue
        key = slot.get(str(int(here[0]) - 1), -1)
        event = snap.name(key) if key >= 0 else "?"
        for _, owner_map in snap.retainers(table):
            for _, target in snap.retainers(owner_map):
                return target, event
    return None


def listener_sets(snap: HeapSnapshot, min_count: int) -> list[ListenerSet]:
    return emitter_sets(snap, min_count) + target_sets(snap, min_count)


def _describe_listeners(snap: HeapSnapshot, listeners: np.ndarray) -> str:
    if listeners.size == 0:
        return ""
    shared = named_targets(snap, listeners, "shared", edge_type=snap.E_INTERNAL)
    bound = named_targets(snap, listeners, "bound_function", edge_type=snap.E_INTERNAL)
    ok = shared >= 0
    if not ok.any() and (bound >= 0).any():
        return f"bound functions ({snap.name(int(bound[bound >= 0][0])) or 'once wrappers'})"
    uniq, counts = np.unique(shared[ok], return_counts=True)
    if uniq.size == 0:
        return ""
    top = int(uniq[int(np.argmax(counts))])
    example = int(listeners[ok][shared[ok] == top][0])
    name = snap.name(example) or "(anonymous)"
    where = defined_at(snap, example)
    return f"{int(counts.max()):,} are instances of function {name!r}{where}"


def detect(series: Series) -> list[Suspect]:
    snap = series.last
    found = listener_sets(snap, MIN_LISTENERS)
    if not found:
        return []
    earlier = [series.older(i, "listeners").by_key for i in range(series.size - 1)]
    out: list[tuple[ListenerSet, Suspect]] = []
    for ls in found:
        emitter_id = int(snap.node_id[ls.emitter])
        key = ((emitter_id, ls.event) if ls.kind == "EventEmitter"
               else (int(snap.node_id[ls.holder]), ""))
        before = [e.get(key, (0, 0)) for e in earlier]
        counts = [c for c, _ in before] + [ls.count]
        sizes = [b for _, b in before] + [int(snap.retained_size[ls.holder])]
        face = ls.count >= FACE_VALUE
        if series.size >= 2 and not steady_growth(counts, MIN_STEP) and not face:
            continue  # a stable number of listeners is a design choice, not a leak
        severity = severity_from(counts, series.size, big=ls.count >= BIG, face_value=face,
                                 min_step=MIN_STEP)
        retained = int(snap.retained_size[ls.holder])
        emitter_class = snap.class_name(ls.emitter)
        evidence = [f"{ls.count:,} listeners for '{ls.event}' on one {emitter_class} "
                    f"(Node warns past 10)"]
        about = _describe_listeners(snap, ls.listeners)
        if about:
            evidence.append("listeners: " + about)
        held = captured_objects(snap, ls.listeners)
        series.note_captured(held)
        captured, _ = dominant_class(snap, held)
        if captured != "-":
            evidence.append(f"each keeps alive what it closed over, mostly {captured}")
        if series.size > 1:
            evidence.append(counts_evidence(counts, "listeners", emitter_id))
        name = "name" if ls.event == ANY_EVENT else repr(ls.event)
        remove = ("removeEventListener" if ls.kind == "EventTarget"
                  else f"emitter.off({name}, fn)")
        advice = (f"Unsubscribe when the subscriber goes away ({remove}, or pass an "
                  "AbortSignal when adding it), use once() for one-shot handlers, and do not "
                  "add a listener per request or per session to a long-lived emitter.")
        emitter = object_label(series, ls.emitter)
        title = f"{ls.count:,} '{ls.event}' listeners on {emitter} hold {SIZE_MARK}"
        if ls.event == ANY_EVENT:
            evidence[0] = (f"{ls.count:,} listeners on one {emitter_class}, spread over "
                           "event names made per id (one name per subscriber)")
            title = (f"{ls.count:,} listeners on per-id events of {emitter} hold "
                     f"{SIZE_MARK}")
        # EventEmitter: the listeners array (`_events.<event>`); EventTarget: the target
        # itself (its list head sits in an engine table with no readable path).
        holder = ls.holder if ls.kind == "EventEmitter" else ls.emitter
        out.append((ls, make_suspect(series, PATTERN, severity, title, holder, "Function",
                                     counts, retained, evidence, advice, sizes=sizes,
                                     item_nodes=ls.listeners,
                                     reach_from=np.asarray([ls.holder], dtype=np.int64))))
        series.claim(ls.holder)
        series.claim(ls.listeners)
    return _one_per_emitter(snap, out)


SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}


def _one_per_emitter(snap: HeapSnapshot,
                     found: list[tuple[ListenerSet, Suspect]]) -> list[Suspect]:
    """Several growing events on one emitter are one leak as a rule (one subscription adds
    them together; `events.once` adds an 'error' listener beside its event): one suspect,
    named after the event with the most listeners (of equal counts, the first by name), the
    others in its evidence."""
    by_emitter: dict[int, list[tuple[ListenerSet, Suspect]]] = {}
    for ls, suspect in found:
        by_emitter.setdefault(ls.emitter, []).append((ls, suspect))
    out = []
    for group in by_emitter.values():
        # ties by the event's name: V8 lists an emitter's `_events` in hash order, seeded
        # per process, so the order found is not the same from one run to the next
        group.sort(key=lambda pair: (-pair[0].count, str(pair[0].event)))
        (main, suspect), others = group[0], group[1:]
        if others:
            also = ", ".join(f"{ls.count:,} '{ls.event}'" for ls, _ in others[:6])
            if len(others) > 6:
                also += f" and {len(others) - 6} more events"
            severity = max((s.severity for _, s in group), key=SEVERITY_RANK.__getitem__)
            suspect = replace(
                suspect, severity=severity,
                title=f"{suspect.title} (and listeners on {len(others)} more events)",
                evidence=[*suspect.evidence,
                          f"the same {snap.class_name(main.emitter)} also has {also} "
                          "listeners piling up: most likely the same subscription"])
        out.append(suspect)
    return out

