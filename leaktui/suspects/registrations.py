"""`listener-leak` outside Node's emitters: a collection on a long-lived object whose growing
items are callbacks, or records of callbacks (interceptors `{fulfilled, rejected}`, hooks
`{type, fn, name}`, middlewares, subscribers, observers), is a registry of registrations, in
any library and whatever the container (array, Map, Set, object). The fix is to unregister
(remove, unsubscribe, eject) or to register once, not a bound on a cache or a queue.

The role is read from the items' shape, not from names: an item is a callback (a function), or
a record whose fields are functions and plain values only (flags, names, numbers) with at least
one function; a field may also be a record of callbacks itself (a subscriber wrapping an
observer `{next}`, its list of teardowns), the object most records point to (the emitter they
were registered on: eventemitter3's `{fn, context, once}`) or a link back to the record. A
record also holding data of its own (an object, an array: a job's payload) is work, not a
registration. Functions that each close over data of their own, kept in an array, are deferred
work too (a queue of thunks) and are left to the queue pattern, unless the array is a Map's
value (handlers by event name, as mitt keeps them) whose oldest items are not taken out. So
are records of callbacks that are pending jobs (`{id, run}`, `{reject, run}`): each leads,
through the scopes of its callbacks, to a promise of its own that a caller is still waiting
on (the job's result), which a subscriber or an interceptor never does; and so is an array whose
oldest records are taken out between snapshots (retries `{run, tries}` worked off slower than
they come), where a registry keeps its first registrations."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from leaktui.snapshot import HeapSnapshot
from leaktui.snapshot._sets import isin, union, unique
from leaktui.snapshot.paths import has_user_distance
from leaktui.snapshot.scripts import script_names
from leaktui.suspects.base import (
    SIZE_MARK,
    Series,
    Suspect,
    class_ids,
    consumed,
    holder_label,
    holder_rank,
    object_label,
)
from leaktui.suspects.containers import (
    FEW_ENTRIES,
    Container,
    container_severity,
    container_suspect,
    containers,
    defined_once,
    growth_evidence,
    items_of,
    worth_reporting,
)
from leaktui.suspects.graphops import (
    edges_and_owners,
    first_retaining_edges,
    named_targets,
    scope_variables,
    string_ids,
)

PATTERN = "listener-leak"
SAMPLE = 200
MIN_SHARE = 0.8
FIELDS = 32  # edges read per record
RECORD_DEPTH = 3  # levels of records of callbacks (a subscriber wrapping an observer `{next}`)
SHARED_SHARE = 0.5  # an object this share of the records point to is not a record's own data
COMPILED_SHARE = 0.9  # of a registry's functions with code of their own: compiled per call
COMPILED_ADVICE = (
    "Compile once and reuse: create the validator, template or query function at startup (or "
    "cache it under a bounded key such as the schema's name), never per request; a compiler "
    "that caches by the object it is given keeps every one of them.")
OWNER_DISTANCE = 2  # the global object and the roots own everything: never counted from
JOB_DEPTH = 8  # steps from an item through its callbacks' scopes to the promise it settles
JOB_FANOUT = 16  # edges followed per object on the way
REGISTRATION_ADVICE = (
    "Register once (at startup, not per request or per call), or keep the handle the "
    "registration returns and remove it when done (unsubscribe, eject the interceptor, untap "
    "the hook, remove the listener).")


def callback_items(snap: HeapSnapshot, items: np.ndarray, depth: int = RECORD_DEPTH,
                   above: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per item: (is a function, is a record of callbacks). A record's fields are functions,
    plain values, records of callbacks themselves (an observer wrapping `{next}`, a list of
    teardowns: up to ``depth`` levels), objects most items share (the emitter they were
    registered on, a common context) and links back to a record being read (``above``): never
    data of its own."""
    items = np.asarray(items, dtype=np.int64)
    closure = snap.node_type[items] == snap.T_CLOSURE
    record = np.zeros(items.size, dtype=np.bool_)
    objects = np.flatnonzero(np.isin(snap.node_type[items], (snap.T_OBJECT, snap.T_ARRAY))
                             & ~closure)
    if objects.size == 0 or depth <= 0:
        return closure, record
    nodes = items[objects]
    edges, owner = edges_and_owners(snap, nodes, cap=FIELDS)
    types = snap.edge_type[edges]
    # `callee`: an arguments object points to its function; it is no record of callbacks.
    field = ((types == snap.E_PROPERTY) | (types == snap.E_ELEMENT)) & ~isin(
        snap.edge_name[edges], string_ids(snap, "__proto__", "callee", "get callee", "set callee"))
    targets = snap.edge_to[edges].astype(np.int64)
    ttype = snap.node_type[targets]
    fn = field & (ttype == snap.T_CLOSURE)
    data = field & np.isin(ttype, (snap.T_OBJECT, snap.T_ARRAY, snap.T_NATIVE))
    # An oddball (null, undefined, true) is an object in the snapshot: not data.
    data &= ~np.isin(snap.node_name[targets], string_ids(snap, "system / Oddball"))
    if data.any():  # an empty array (a route's `keys: []`) holds nothing of its own
        at = np.flatnonzero(data)
        data[at[_empty(snap, targets[at])]] = False
    seen = nodes if above is None else union(above, nodes)
    data &= ~isin(targets, seen)  # a teardown's link to its subscriber, a parent
    if nodes.size >= 2 and data.any():
        # What most records point to is where they were registered, not their payload.
        at = np.flatnonzero(data)
        pairs = unique(targets[at] * nodes.size + owner[at])
        shared, holders = np.unique(pairs // nodes.size, return_counts=True)
        data[at[isin(targets[at], shared[holders >= SHARED_SHARE * nodes.size])]] = False
    if depth > 1 and data.any():
        at = np.flatnonzero(data)
        inner, where = np.unique(targets[at], return_inverse=True)
        _, sub_record = callback_items(snap, inner, depth - 1, seen)
        wraps = sub_record[where.reshape(-1)]
        fn[at[wraps]] = True
        data[at[wraps]] = False
    has_fn = np.bincount(owner[fn], minlength=nodes.size) > 0
    has_data = np.bincount(owner[data], minlength=nodes.size) > 0
    record[objects] = has_fn & ~has_data
    return closure, record


def _empty(snap: HeapSnapshot, nodes: np.ndarray) -> np.ndarray:
    """Per node: an object or array with no element and no property but its prototype."""
    edges, owner = edges_and_owners(snap, nodes)
    types = snap.edge_type[edges]
    held = (types == snap.E_ELEMENT) | ((types == snap.E_PROPERTY) & ~np.isin(
        snap.edge_name[edges], string_ids(snap, "__proto__")))
    return np.bincount(owner[held], minlength=nodes.size) == 0


def _thunks(snap: HeapSnapshot, closures: np.ndarray) -> bool:
    """Functions that each close over a scope of their own holding data (an object): work
    deferred with its payload, not a subscriber."""
    contexts = named_targets(snap, closures, "context", edge_type=snap.E_INTERNAL)
    contexts = contexts[contexts >= 0]
    if contexts.size < closures.size / 2 or unique(contexts).size < contexts.size * 0.9:
        return False  # shared scopes: the same function object registered again and again
    owner, targets = scope_variables(snap, contexts)
    data = np.isin(snap.node_type[targets], (snap.T_OBJECT, snap.T_ARRAY))
    data &= ~np.isin(snap.node_name[targets], string_ids(snap, "system / Oddball"))
    return bool((np.bincount(owner[data], minlength=contexts.size) > 0).mean() >= MIN_SHARE)


def pending_jobs(snap: HeapSnapshot, items: np.ndarray) -> bool:
    """Most items each reach a promise of their own through their fields, their callbacks'
    scopes and the variables in them (never a scope's `previous`, the module or service
    around it, which every item shares): work whose caller awaits its result."""
    items = np.asarray(items, dtype=np.int64)
    if items.size == 0:
        return False
    promise = string_ids(snap, "Promise")
    frontier, origin = items, np.arange(items.size, dtype=np.int64)
    seen = np.zeros(0, dtype=np.int64)
    found = np.full(items.size, -1, dtype=np.int64)
    for _ in range(JOB_DEPTH):
        edges, owner = edges_and_owners(snap, frontier, cap=JOB_FANOUT)
        if edges.size == 0:
            break
        where = origin[owner]
        types = snap.edge_type[edges]
        targets = snap.edge_to[edges].astype(np.int64)
        follow = np.isin(types, (snap.E_PROPERTY, snap.E_ELEMENT, snap.E_CONTEXT, snap.E_HIDDEN))
        follow |= (types == snap.E_INTERNAL) & isin(snap.edge_name[edges],
                                                        string_ids(snap, "context"))
        follow &= np.isin(snap.node_type[targets], (snap.T_OBJECT, snap.T_CLOSURE))
        hit = follow & isin(snap.node_name[targets], promise)
        hit_at = np.flatnonzero(hit)
        found[where[hit_at]] = np.where(found[where[hit_at]] < 0, targets[hit_at],
                                        found[where[hit_at]])
        follow &= ~hit & (found[where] < 0)
        targets, where = targets[follow], where[follow]
        keep = ~isin(targets * items.size + where, seen)
        targets, where = targets[keep], where[keep]
        seen = union(seen, targets * items.size + where)
        frontier, origin = targets, where
        if frontier.size > 64 * items.size:
            break  # spreading into shared state: not a job's own scope
    reached = found[found >= 0]
    return (reached.size >= MIN_SHARE * items.size
            and unique(reached).size >= MIN_SHARE * reached.size)


def role(series: Series, c: Container) -> str:
    """"registration" when the collection's items are callbacks or records of callbacks;
    "" otherwise. Decided once per collection (per-request retention asks first)."""
    key = f"registration-role:{c.node}"
    if key not in series.cache:
        series.cache[key] = _role(series, c)
    return str(series.cache[key])


def _role(series: Series, c: Container) -> str:
    snap = series.last
    items = every = items_of(snap, c)
    if items.size == 0:
        return ""
    if items.size > SAMPLE:
        items = items[np.linspace(0, items.size - 1, SAMPLE).astype(np.int64)]
    closure, record = callback_items(snap, items)
    if (closure | record).mean() < MIN_SHARE:
        return ""
    if np.isin(snap.class_id[items], class_ids(snap, "Timeout")).mean() >= MIN_SHARE:
        return ""  # Node's timers (records of a callback, but a timer's): the timer pattern's
    if closure.mean() >= MIN_SHARE and _classes(snap, items[closure]) >= MIN_SHARE:
        return ""  # classes made per call (an ODM's models), a cache of them: not callbacks
    if (closure.mean() >= MIN_SHARE and c.grows_as == "array" and _thunks(snap, items[closure])
            and (not _map_value(snap, c.node)
                 or consumed(series, every, c.counts, c.born))):
        return ""  # deferred work; but handlers by event name (`Map<event, fn[]>`) stay
    if pending_jobs(snap, items):
        return ""  # a work queue whose jobs are callbacks: the queue pattern's
    if (c.grows_as == "array" and consumed(series, every, c.counts, c.born)
            and not _map_value(snap, c.node)):
        return ""  # its oldest records are taken out: a queue draining slower than it fills
    return "registration"


def _classes(snap: HeapSnapshot, closures: np.ndarray) -> float:
    """Share of ``closures`` that are classes: constructors whose prototype holds properties
    of its own besides `constructor` (what each instance shares: a model's schema and
    collection), unlike a handler, whose prototype (if any) is empty."""
    protos = named_targets(snap, closures, "prototype", edge_type=snap.E_PROPERTY)
    protos = protos[protos >= 0]
    if protos.size == 0:
        return 0.0
    edges, owner = edges_and_owners(snap, protos)
    own = (snap.edge_type[edges] == snap.E_PROPERTY) & ~isin(
        snap.edge_name[edges], string_ids(snap, "constructor", "__proto__"))
    populated = np.bincount(owner[own], minlength=protos.size) > 0
    return float(populated.sum() / closures.size)


def _map_value(snap: HeapSnapshot, node: int) -> bool:
    """The collection is the value of a Map's entry (an event's handlers by its name)."""
    table_name = string_ids(snap, "table")
    for table in np.unique(snap.edge_sources(first_retaining_edges(snap, node))).tolist():
        edges = first_retaining_edges(snap, table)
        named = (snap.edge_type[edges] != snap.E_ELEMENT) & (snap.edge_type[edges] != snap.E_HIDDEN)
        edges = edges[named & isin(snap.edge_name[edges], table_name)]
        for src in snap.edge_sources(edges).tolist():
            if snap.class_name(int(src)) == "Map":
                return True
    return False


def generated(snap: HeapSnapshot, closures: np.ndarray) -> np.ndarray:
    """Per closure: its code belongs to no script file (`new Function`, `eval`): generated at
    run time. A bundle's modules or a library's methods each have code of their own too, but
    in a file."""
    nodes, scripts, _, _ = snap.locations
    if nodes.size == 0 or closures.size == 0:
        return np.zeros(closures.size, dtype=np.bool_)
    order = snap.cached("suspect_location_order", lambda: np.argsort(nodes, kind="stable"))
    pos = np.minimum(np.searchsorted(nodes[order], closures), nodes.size - 1)
    found = nodes[order][pos] == closures
    named = np.asarray(sorted(i for i, name in script_names(snap).items() if name),
                       dtype=np.int64)
    return found & ~isin(scripts[order][pos].astype(np.int64), named)


def compiled_share(snap: HeapSnapshot, closures: np.ndarray) -> float:
    """Share of ``closures`` with code of their own (a SharedFunctionInfo no other of them
    has) generated at run time (`new Function`, a schema or template compiler), not one
    function's closures made again and again."""
    shared = named_targets(snap, closures[generated(snap, closures)], "shared",
                           edge_type=snap.E_INTERNAL)
    shared = shared[shared >= 0]
    if shared.size == 0:
        return 0.0
    return float(unique(shared).size / closures.size)


def _compiled_suspect(series: Series, c: Container, own_code: float, made: float) -> Suspect:
    """Functions generated per call and kept: a cache of compiled code, not registrations.
    ``own_code``: share with code no other of them has; ``made``: share made from code
    compiled at run time (equal sources share V8's code: a serializer compiled per call for
    schemas that differ only in a name)."""
    if own_code >= COMPILED_SHARE:
        evidence = [f"{own_code:.0%} of the functions it holds have code of their own: each "
                    "was compiled at run time (new Function, a validator or template "
                    "compiler), so something compiles per call (per request, per schema) and "
                    "keeps the result"]
        each = ", each with its own code,"
    else:
        evidence = [f"{made:.0%} of the functions it holds were made from code compiled at "
                    "run time (new Function, a validator, serializer or template compiler; "
                    "V8 shares the code of equal sources): something compiles per call (per "
                    "request, per schema) and keeps the result"]
        each = ","
    evidence += growth_evidence(series, c, "functions")
    severity = container_severity(series, c, evidence)
    verb = "keeps" if series.size > 1 else "holds"
    title = (f"{holder_label(series, c.node)} {verb} {c.count:,} functions compiled at run "
             f"time{each} holding {SIZE_MARK}")
    return container_suspect(series, c, "unbounded-cache", severity, title, evidence,
                             COMPILED_ADVICE)


def _owner(snap: HeapSnapshot, node: int) -> int:
    """The object the collection is a field of (its retainer nearest to a root)."""
    for e, src in snap.retainers(node):
        if int(snap.edge_type[e]) != snap.E_WEAK and int(snap.node_type[src]) == snap.T_OBJECT:
            return src
    return node


def _worth(series: Series, c: Container) -> bool:
    """As for any collection; alone, a registry of functions also counts (functions are
    otherwise passed over as the method tables Node builds at startup) when the user's code
    reaches it (not only one of Node's own modules) and it is not a class's method table."""
    if worth_reporting(series, c):
        return True
    if (series.size > 1 or series.is_claimed(c.node) or c.count < FEW_ENTRIES
            or defined_once(series.last, c.node)):
        return False
    timer, internal, _ = holder_rank(series.last, c.node)
    return (not timer and not internal and has_user_distance(series.last, c.node)
            and c.sizes[-1] >= 0.01 * series.heap_size)


def detect(series: Series) -> list[Suspect]:
    snap = series.last
    out = []
    for c in containers(series):
        if c.nested or series.is_claimed(c.node) or not _worth(series, c):
            continue
        if role(series, c) != "registration":
            continue
        items = items_of(snap, c)[:SAMPLE]
        closure, _ = callback_items(snap, items)
        if closure.mean() >= MIN_SHARE:
            own_code = compiled_share(snap, items[closure])
            made = float(generated(snap, items[closure]).mean())
            if own_code >= COMPILED_SHARE or made >= COMPILED_SHARE:
                out.append(_compiled_suspect(series, c, own_code, made))
                continue
        what = ("callbacks" if closure.mean() >= 0.5
                else f"{c.item_class} records of callbacks")
        owner = _owner(snap, c.node)
        evidence = [f"{c.count:,} {what} in one {c.kind}: a registry of subscriptions "
                    "(handlers, hooks, interceptors, observers) that only gains entries"]
        evidence += growth_evidence(series, c, "registrations")
        severity = container_severity(series, c, evidence)
        verb = "registered on" if series.size > 1 else "held by"
        title = (f"{c.count:,} {what} {verb} {object_label(series, owner)} "
                 f"and never removed, holding {SIZE_MARK}")
        advice = REGISTRATION_ADVICE
        suspect = container_suspect(series, c, PATTERN, severity, title, evidence, advice)
        if owner != c.node and int(snap.distance[owner]) >= OWNER_DISTANCE:
            # What the registrations hold is counted from the object they are registered on:
            # its other bookkeeping of them (an index of the same handlers) is the same leak.
            suspect = replace(suspect, reach_from=np.asarray([c.node, owner], dtype=np.int64))
        out.append(suspect)
    return out
