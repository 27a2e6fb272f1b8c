"""`closure-capture`: long-lived functions whose captured scope (context) keeps large objects
alive, grouped by the function they are instances of.

Vectorised over the whole snapshot: every closure's function (shared info) and context; only
contexts owned by the closures (dominated by one of them, so really kept alive by them, not a
module scope many functions share) count. Instances of one function that hold a lot through
their contexts, and grow in number across the series, are reported at the object that holds
them (their most common dominator: an array, Map, object, or a single variable).

An array of such closures that belongs to a worker (an object with a function or counters
of its own beside the array; beside a Map or Set, a function), that is consumed (the first
snapshot's closures are gone from the last), or whose closures are jobs each awaited by a
caller (each reaches a promise of its own), is a work queue of pending jobs that each close
over their own request: reported as `unbounded-queue` (bound it). An array, Map or Set of them
on a class instance with none of that, keeping its earliest closures, is a registry of
subscribers (a pub/sub bus of the user's own, handlers by subscription id): `listener-leak`
(unsubscribe, register once). The closures kept in a plain list, a keyed object or a plain
object's Map, each keeping more than it needs, are this pattern."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leaktui.snapshot import HeapSnapshot
from leaktui.snapshot._sets import isin
from leaktui.snapshot.older import older_summary
from leaktui.suspects.base import (
    SIZE_MARK,
    Series,
    Suspect,
    Tally,
    consumed,
    counts_evidence,
    holder_label,
    make_suspect,
    severity_from,
    steady_growth,
)
from leaktui.suspects.graphops import named_targets, scope_variables
from leaktui.suspects.registrations import (
    COMPILED_ADVICE,
    COMPILED_SHARE,
    REGISTRATION_ADVICE,
    generated,
)
from leaktui.suspects.registrations import PATTERN as REGISTRATION_PATTERN
from leaktui.units import format_size

PATTERN = "closure-capture"
CACHE_PATTERN = "unbounded-cache"
MIN_WRAPPERS = 10  # closures of one function before "each wraps its own code" means anything
QUEUE_PATTERN = "unbounded-queue"
QUEUE_ADVICE = ("Bound the queue: cap its length and reject or drop what does not fit, apply "
                "backpressure to producers (await the push, pause the source), and make sure a "
                "stalled worker times out so the queue drains.")
MIN_GROUP_BYTES = 64 * 1024
MIN_HEAP_SHARE = 0.01
MIN_MEAN_BYTES = 1024  # per closure: "large" captured objects, not a counter or two
MIN_STEP = 2
HOLDER_LEVELS = 4
WRAP_DEPTH = 6  # dominator steps from generated code up to the closure wrapping it


def closure_groups(snap: HeapSnapshot) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(closures, id of each one's function, its context) for closures with both."""
    return snap.cached("suspect_closures", lambda: _closure_groups(snap))


def _closure_groups(snap: HeapSnapshot) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    closures = np.flatnonzero(snap.node_type == snap.T_CLOSURE)
    shared = named_targets(snap, closures, "shared", edge_type=snap.E_INTERNAL)
    context = named_targets(snap, closures, "context", edge_type=snap.E_INTERNAL)
    keep = (shared >= 0) & (context >= 0)
    return (closures[keep], snap.node_id[shared[keep]].astype(np.int64), context[keep])


def compiled_inside(snap: HeapSnapshot, members: np.ndarray) -> float:
    """Share of ``members`` (closures of one function) that each keep a function with code of
    its own (no other closure runs it) generated at run time (in no script file) within a few
    dominator steps: a wrapper around code compiled at run time (a template engine's
    `compile` returns such a closure over the generated function), not one function's
    closures each over their data."""
    closures, functions, _ = closure_groups(snap)
    if members.size == 0 or closures.size == 0:
        return 0.0
    _, inverse, counts = np.unique(functions, return_inverse=True, return_counts=True)
    own = closures[counts[inverse] == 1]
    own = own[generated(snap, own)]
    wrapped = np.zeros(0, dtype=np.int64)
    node = own.astype(np.int64)
    for _ in range(WRAP_DEPTH):
        node = snap.dominator[node].astype(np.int64)
        wrapped = np.concatenate([wrapped, node[isin(node, members)]])
    return float(np.unique(wrapped).size / members.size)


def _attached_share(snap: HeapSnapshot, members: np.ndarray) -> float:
    """Share of ``members`` kept alive by a closure of another function (set as its
    property)."""
    closures, _, _ = closure_groups(snap)
    doms = snap.dominator[members].astype(np.int64)
    return float(isin(doms, closures).mean()) if members.size else 0.0


def _scope_variables(snap: HeapSnapshot, holder: int, members: np.ndarray) -> bool:
    """Most of ``members`` are variables of the scope ``holder`` (a bundle's lazily loaded
    modules, `var require_x = __commonJS(...)`): a scope has as many variables as its code
    declares, so they are the program's structure, not a collection that grows."""
    if snap.class_name(holder) != "system / Context":
        return False
    variables = scope_variables(snap, np.asarray([holder], dtype=np.int64))[1]
    return int(isin(members, variables).sum()) >= 0.5 * members.size


def _common_holder(snap: HeapSnapshot, nodes: np.ndarray) -> int:
    """The object holding most of ``nodes``: their most common dominator, lifted out of
    engine storage (backing arrays) to the object owning it. When each closure sits in its
    own object (a callback per job), climb until one object holds most of them; -1 if none
    does within a few steps."""
    doms = snap.dominator[nodes].astype(np.int64)
    for _ in range(HOLDER_LEVELS):
        uniq, counts = np.unique(doms, return_counts=True)
        best = int(np.argmax(counts))
        if counts[best] >= 0.5 * nodes.size or uniq.size == 1:
            return _lift(snap, int(uniq[best]))
        doms = snap.dominator[doms].astype(np.int64)
    return -1


QUEUE = "queue"
REGISTRY = "registration"
COLLECTIONS = ("Array", "Map", "Set")  # what a queue or a registry of closures is kept in


def holder_role(series: Series, holder: int, closures: np.ndarray,
                counts: list[int]) -> str:
    """What an array, Map or Set of closures is to the object that keeps it, from that
    object's structure and the collection's growth: ``"queue"`` (jobs waiting for a worker),
    ``"registration"`` (callbacks subscribed to it) or ``""`` (neither: closures kept in a
    plain list or a plain object's Map).

    A queue: the closures each reach a promise of their own (a caller awaits each job), or the
    owner has worker state beside the array (a function of its own: a worker or a method; or
    small-integer fields: counters such as running / concurrency / head, which a snapshot only
    shows as fields of the object's shape without an edge), or the array is consumed (the
    closures of the first snapshot are gone, by id, from the last). A class instance with none
    of that, whose earliest closures are all still there, keeps callbacks it calls again and
    again: a registry (a pub/sub bus, an observer list)."""
    from leaktui.suspects.registrations import pending_jobs

    snap = series.last
    kind = snap.class_name(holder)
    if kind not in COLLECTIONS:
        return ""
    sample = closures[np.linspace(0, closures.size - 1, min(closures.size, 200)).astype(
        np.int64)] if closures.size else closures
    if pending_jobs(snap, sample):
        return QUEUE
    for e, owner in snap.retainers(holder):
        if int(snap.edge_type[e]) != snap.E_PROPERTY or int(snap.node_type[owner]) != snap.T_OBJECT:
            continue
        if _worker_state(snap, owner, e, counters=kind == "Array"):
            return QUEUE
        if snap.class_name(owner) in ("Object", "Array", "system / Context"):
            return ""
        return QUEUE if consumed(series, closures, counts) else REGISTRY
    return ""


def _worker_state(snap: HeapSnapshot, owner: int, collection_edge: int,
                  counters: bool = True) -> bool:
    """``owner`` has a function of its own beside the collection, or (with ``counters``)
    small-integer fields (named by its shape, with no edge from the object: V8 does not write
    small integers). A keyed collection's owner often counts the keys it hands out (`nextId`),
    so counters mark a worker only beside an array (a queue's head, running, concurrency)."""
    fields = set()
    for f in snap.edges(owner):
        kind = int(snap.edge_type[f])
        if kind == snap.E_PROPERTY:
            fields.add(snap.edge_name_text(f))
            if f != collection_edge and int(snap.node_type[int(snap.edge_to[f])]) == snap.T_CLOSURE:
                return True
    return counters and bool(set(_shape_fields(snap, owner)) - fields)


def _shape_fields(snap: HeapSnapshot, owner: int) -> list[str]:
    """Names of the fields in ``owner``'s hidden class (its map's descriptor array)."""
    for f in snap.edges(owner):
        if int(snap.edge_type[f]) == snap.E_INTERNAL and snap.edge_name_text(f) == "map":
            shape = int(snap.edge_to[f])
            for g in snap.edges(shape):
                if (int(snap.edge_type[g]) == snap.E_INTERNAL
                        and snap.edge_name_text(g) == "descriptors"):
                    table = int(snap.edge_to[g])
                    return [snap.name(int(snap.edge_to[h])) for h in snap.edges(table)
                            if int(snap.edge_type[h]) == snap.E_INTERNAL
                            and snap.edge_name_text(h).isdigit()
                            and int(snap.node_type[int(snap.edge_to[h])]) == snap.T_STRING]
    return []


def _lift(snap: HeapSnapshot, holder: int) -> int:
    for _ in range(1000):
        if holder == snap.root or int(snap.node_type[holder]) not in (snap.T_ARRAY,
                                                                      snap.T_HIDDEN):
            break
        holder = int(snap.dominator[holder])
    return holder


def retained_share(size: float, series: Series) -> float:
    return float(size) / max(series.heap_size, 1)


def _captured(snap: HeapSnapshot, context: int) -> list[tuple[int, str]]:
    """(retained bytes, variable) captured by one context, largest first."""
    found = [(int(snap.retained_size[int(snap.edge_to[e])]), snap.edge_name_text(e))
             for e in snap.edges(context) if int(snap.edge_type[e]) == snap.E_CONTEXT]
    return sorted(found, reverse=True)


@dataclass(frozen=True)
class Scopes:
    """Closures of one snapshot grouped by function, with the bytes their scopes hold."""

    closures: np.ndarray
    contexts: np.ndarray
    functions: np.ndarray  # id of each group's function
    group: np.ndarray  # group index of each closure
    inner: np.ndarray  # closure kept alive by another instance's scope (a chain)
    shared: np.ndarray  # its scope is shared with other closures (a module scope)
    owned_bytes: np.ndarray  # per closure: its scope's retained bytes when it alone holds it
    group_bytes: np.ndarray
    group_count: np.ndarray


@older_summary("closure_scopes")
def scopes_summary(snap: HeapSnapshot) -> Tally:
    """Of an older snapshot: closures and the bytes their scopes hold, by function id."""
    sc = scopes(snap)
    return Tally.of({int(f): (int(c), int(b)) for f, c, b in
                     zip(sc.functions, sc.group_count, sc.group_bytes, strict=True)})


def scopes(snap: HeapSnapshot) -> Scopes:
    return snap.cached("suspect_scopes", lambda: _scopes(snap))


def _scopes(snap: HeapSnapshot) -> Scopes:
    closures, functions, contexts = closure_groups(snap)
    owned = isin(snap.dominator[contexts], closures)  # the context lives for this closure
    uniq, inverse = np.unique(functions, return_inverse=True)
    # A closure kept alive by the context of another instance of its function (a chain of
    # wrappers) is already in that context's retained size: count the outermost ones only.
    n = np.int64(snap.node_count)
    inner = isin(inverse * n + snap.dominator[closures].astype(np.int64),
                 inverse * n + contexts)
    owned_bytes = np.where(owned & ~inner, snap.retained_size[contexts], 0).astype(np.float64)
    _, context_index, per_context = np.unique(contexts, return_inverse=True, return_counts=True)
    return Scopes(closures, contexts, uniq, inverse, inner, per_context[context_index] > 1,
                  owned_bytes, np.bincount(inverse, weights=owned_bytes, minlength=uniq.size),
                  np.bincount(inverse, minlength=uniq.size))


def detect(series: Series) -> list[Suspect]:
    snap = series.last
    sc = scopes(snap)
    if sc.closures.size == 0:
        return []
    closures, contexts, inverse, inner = sc.closures, sc.contexts, sc.group, sc.inner
    uniq, group_bytes, group_count, shared = sc.functions, sc.group_bytes, sc.group_count, sc.shared
    bytes_owned = sc.owned_bytes
    threshold = max(MIN_GROUP_BYTES, MIN_HEAP_SHARE * series.heap_size)
    picked = np.flatnonzero((group_bytes >= threshold)
                            & (group_bytes >= MIN_MEAN_BYTES * group_count))
    if picked.size == 0:
        return []
    earlier: list[Tally] = [series.older(i, "closure_scopes") for i in range(series.size - 1)]
    out = []
    # Closures that share one scope (a compiled template `ret` and the `_setup`, `_child`
    # functions set on it) count the same bytes: the one the others hang from (not kept alive
    # by another closure) is looked at first, whatever order their functions' ids give.
    attached = np.asarray([_attached_share(snap, closures[inverse == g]) for g in picked])
    for g in picked[np.lexsort((attached, -group_bytes[picked]))].tolist():
        members = closures[inverse == g]
        if sum(series.is_claimed(int(m)) for m in members[:200]) >= min(members.size, 200) / 2:
            continue  # listeners and timer callbacks are reported as such
        count = int(group_count[g])
        counts = [e.get(int(uniq[g]))[0] for e in earlier] + [count]
        sizes = [e.get(int(uniq[g]))[1] for e in earlier] + [int(group_bytes[g])]
        if series.size >= 2 and not steady_growth(counts, MIN_STEP):
            continue
        if count < 2 and (retained_share(group_bytes[g], series) < 0.1
                          or shared[inverse == g].any()):
            continue  # one function over a moderate or module-wide scope: ordinary code
        heads = members[~inner[inverse == g]]
        # A chain of wrappers is held by its outermost instance; instances side by side by
        # the collection (or object) that holds most of them.
        holder = int(heads[0]) if heads.size == 1 and count > 1 else _common_holder(
            snap, heads if heads.size else members)
        if holder < 0 or series.is_claimed(holder) or _scope_variables(snap, holder, members):
            continue
        role = holder_role(series, holder, members, counts)
        retained = int(group_bytes[g])
        big = retained >= 0.1 * series.heap_size
        severity = severity_from(counts, series.size, big=big, min_step=MIN_STEP)
        fn = snap.name(int(members[0])) or "(anonymous)"
        context = int(contexts[inverse == g][int(np.argmax(bytes_owned[inverse == g]))])
        captured = _captured(snap, context)
        names = ", ".join(name for _, name in captured[:3])
        each_over = f", each over its own {names}" if names else ""
        evidence = [f"{count:,} instances of function {fn!r}; the scopes they alone keep alive "
                    f"hold {format_size(retained)} ({format_size(retained / max(count, 1))} each)",
                    "largest captured variables: " + ", ".join(
                        f"{name} ({format_size(size)})" for size, name in captured[:3])]
        if series.size > 1:
            evidence.append(counts_evidence(counts, "instances"))
        title = (f"{count:,} {fn!r} closures held by {holder_label(series, holder)} capture "
                 f"{SIZE_MARK} ({names or 'their scope'})")
        advice = ("Capture less: copy the few fields the function needs into local constants "
                  "before creating it instead of closing over the whole object (V8 shares one "
                  "scope between all closures of a function, so a variable any of them uses "
                  "stays alive), and drop functions that were replaced.")
        pattern = PATTERN
        wraps = 0.0 if role or count < MIN_WRAPPERS else compiled_inside(snap, members)
        if wraps >= COMPILED_SHARE:  # a template or validator compiled per call and kept
            pattern = CACHE_PATTERN
            verb = "keeps" if series.size > 1 else "holds"
            title = (f"{holder_label(series, holder)} {verb} {count:,} {fn!r} closures, each "
                     f"wrapping code compiled at run time, holding {SIZE_MARK}")
            evidence.insert(0, f"{wraps:.0%} of them each keep a function with code of its own "
                            "(generated at run time: new Function, a template or validator "
                            "compiler), so something compiles per call and keeps the result")
            advice = COMPILED_ADVICE
        if role == REGISTRY:  # callbacks subscribed to a long-lived object, never removed
            pattern = REGISTRATION_PATTERN
            verb = "registered on" if series.size > 1 else "held by"
            title = (f"{count:,} callbacks ({fn!r} closures{each_over}) {verb} "
                     f"{holder_label(series, holder)} and never removed, holding {SIZE_MARK}")
            evidence.insert(0, "an array of callbacks kept by a class instance with no worker "
                            "state (no function or counter of its own) and not consumed (its "
                            "earliest callbacks are all still there): a registry of "
                            "subscriptions (subscribers, observers)")
            advice = REGISTRATION_ADVICE
        if role == QUEUE:  # pending jobs in a worker's queue, each over its own request: bound it
            pattern = QUEUE_PATTERN
            verb = "grew to" if series.size > 1 else "holds"
            title = (f"{holder_label(series, holder)} {verb} {count:,} pending jobs (closures "
                     f"of {fn!r}{each_over}), holding {SIZE_MARK}")
            evidence.insert(0, "an array of jobs kept by a worker (an object with methods or a "
                            "worker function, or awaited by callers): a work queue")
            advice = QUEUE_ADVICE
        out.append(make_suspect(series, pattern, severity, title, holder, "Function", counts,
                                retained, evidence, advice, sizes=sizes, item_nodes=members))
        series.claim(holder)
        series.claim(members)
    return out

