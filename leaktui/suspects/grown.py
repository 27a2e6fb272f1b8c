"""Sizes that explain the growth, and one suspect per leak.

`grown_size` of a suspect: the bytes of the objects new since the first snapshot (their id is
absent from it) that are reachable from the suspect's items; with one snapshot, the bytes
reachable from the items. DevTools' retained size (dominator arithmetic) stays beside it: it
is honest about what freeing the holder alone would free, but a leak whose objects are also
reachable from elsewhere (loggers kept by a listener array and by a registry) retains little
while it makes the heap grow by megabytes.

What the walk traverses (one compiled pass per suspect over the CSR graph, `_reach.pyx`):
strong edges only (weak and shortcut edges are skipped, as DevTools' retained sizes skip
them); never into roots (synthetic nodes) or object shapes (the engine's, shared by
everything), nor into code, except, in a series, code made since the first snapshot (functions
compiled at run time, each with code of its own); never back into the suspect's holder. In a
series it enters only new objects: an object that was already there in the first snapshot is
shared state (the service, a module, a stream) and what it holds is not this leak's growth,
so the walk stops there. With one
snapshot, where nothing says what is new, the same walk counts what it enters: the items and
what they own (objects whose dominator it walked through), not shared state.

Suspects that reach the same new objects say so (`shared_with`); those that reach mostly the
same ones (one's items reach the other's: a scheduler's task Map, its timers and Node's timer
list) are one leak, and become one suspect named after the holder nearest to user code, with
the others in its evidence.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from leaktui.snapshot import HeapSnapshot
from leaktui.snapshot._sets import unique
from leaktui.snapshot.paths import path_label
from leaktui.suspects import _reach, unbounded_cache
from leaktui.suspects.base import SIZE_MARK, Series, Suspect, holder_label, holder_rank
from leaktui.suspects.graphops import edges_and_owners
from leaktui.units import format_size

SHARED_MIN = 0.2  # of the smaller grown size: worth saying the two reach the same objects
SAME_LEAK = 0.5  # of the smaller grown size: the two describe one leak
MIN_SHARED_BYTES = 4096
NEGLIGIBLE = 0.01  # of the heap's growth: a growing collection this small is not the leak
# A suspect that grew by less than this many bytes and under SMALL_SHARE of the heap's growth
# is not worth naming in an incident (a rolling window's bucket that has not rotated yet
# between snapshots taken a second apart).
SMALL_BYTES = 16 * 1024
SMALL_SHARE = 0.1
SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}
COLLECTIONS = ("unbounded-queue", "high-cardinality-key", "unbounded-cache")
KEYED = ("high-cardinality-key", "unbounded-cache")
OWNER_STEPS = 4  # steps from a common owner to each of two companion collections
# Work kept on timers (a scheduler's jobs) is items to run: most of them functions or with a
# function of their own; data held only through a timer (a metrics exporter's interval
# reaching all its SDK's state) is not.
TIMED_SHARE = 0.5
JOB_SAMPLE = 200
SIDE_INDEX = 0.05  # of the other's grown size: a collection that only indexes the other
SAME_KEYS = 0.8  # of the smaller key set: the same ids as keys of both collections
LOCKSTEP_KEYS = 16


def new_objects(series: Series) -> np.ndarray:
    """Per node of the last snapshot: absent from the first snapshot (by id). V8 gives
    objects ids in allocation order within a process (odd for heap objects, even for the
    embedder's), so an id above the first snapshot's largest of its parity is new."""
    cached = series.cache.get("new_objects")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    first, last = series.snaps[0], series.last
    ids = last.node_id
    odd = (ids & 1) == 1
    first_even = first.node_id[(first.node_id & 1) == 0]
    max_even = int(first_even.max()) if first_even.size else 0
    new = np.where(odd, ids > first.max_js_object_id, ids > max_even)
    series.cache["new_objects"] = new
    return new


def _walkable(series: Series) -> np.ndarray:
    snap = series.last
    types = np.ones(max(len(snap.node_type_names), int(snap.node_type.max()) + 1),
                    dtype=np.bool_)
    for name in ("synthetic", "code", "object shape"):
        if name in snap.node_type_names:
            types[snap.node_type_names.index(name)] = False
    kind = types.view(np.uint8)[snap.node_type]  # node-sized: no bool copy beside it
    if series.size >= 2:
        new = new_objects(series)
        kind[new] *= 2  # 2: new, 1: old, 0: never entered
        if "code" in snap.node_type_names:
            # Code made since the first snapshot is the growth of functions compiled at run
            # time (each with code of its own); a function's code made once is old.
            kind[new & (snap.node_type == snap.node_type_names.index("code"))] = 2
    return kind


def _skip_edges(snap: HeapSnapshot) -> np.ndarray:
    skip = np.zeros(256, dtype=np.uint8)
    for t in (snap.E_WEAK, snap.E_SHORTCUT):
        if t >= 0:
            skip[t] = 1
    return skip


def heap_growth(series: Series) -> int:
    """Bytes the heap grew by between the first and the last snapshot (0 with one)."""
    if series.size < 2:
        return 0
    return int(series.last.total_size) - int(series.snaps[0].total_size)


def measure(series: Series, suspects: list[Suspect]) -> list[Suspect]:
    """Each suspect with its grown size, the suspects it shares new objects with merged or
    named, and its title's size filled in (the figure that explains the growth)."""
    if not suspects:
        return suspects
    snap = series.last
    walkable = _walkable(series)
    skip = _skip_edges(snap)
    n = len(suspects)
    marks = np.int16 if n < 2**15 - 1 else np.int32  # node-sized: as narrow as the walks allow
    stamp = np.full(snap.node_count, -1, dtype=marks)
    owner = np.full(snap.node_count, -1, dtype=marks)
    shared = np.zeros((n, n), dtype=np.int64)
    grown = np.zeros(n, dtype=np.int64)
    distance = snap.distance.astype(np.int32, copy=False)
    for k, s in enumerate(suspects):
        starts = unique(np.asarray(s.reach_from if s.reach_from.size else s.item_nodes,
                                   dtype=np.int64))
        stops = np.asarray([s.holder], dtype=np.int64)
        stops = stops[~np.isin(stops, starts)]
        row = np.zeros(n, dtype=np.int64)
        grown[k], _ = _reach.grown_reach(
            snap.first_edge, snap.edge_to, snap.edge_type, snap.self_size, walkable,
            snap.dominator, distance, -(2**31), skip, starts, stops, stamp, k, owner, row,
            int(series.size < 2))
        shared[k] = row
    overlap = shared + shared.T  # bytes both reach (counted once, by the later walk)
    merged = _merge(series, suspects, grown, overlap)
    growth = heap_growth(series)
    out = []
    kept = {k: s.holder for k, s in merged}  # a merged suspect may be named by another holder
    for k, s in merged:
        with_ = tuple(kept[j] for j in range(n)
                      if j != k and j in kept and overlap[k, j] >= MIN_SHARED_BYTES
                      and overlap[k, j] >= SHARED_MIN * max(min(grown[k], grown[j]), 1))
        out.append(_finished(series, s, int(grown[k]), with_, growth))
    return out


def _merge(series: Series, suspects: list[Suspect], grown: np.ndarray,
           overlap: np.ndarray) -> list[tuple[int, Suspect]]:
    """Suspects reaching mostly the same new objects become one (union of pairs): (index of
    the one kept, the suspect)."""
    n = len(suspects)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            small = min(grown[i], grown[j])
            if ((small >= MIN_SHARED_BYTES and overlap[i, j] >= SAME_LEAK * small)
                    or companions(series.last, suspects[i], suspects[j], int(grown[i]),
                                  int(grown[j]))):
                parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    keep: dict[int, Suspect] = {}
    snap = series.last
    for members in groups.values():
        if len(members) == 1:
            keep[members[0]] = suspects[members[0]]
            continue
        where = {i: holder_rank(snap, suspects[i].holder) for i in members}
        severity = max((suspects[i].severity for i in members), key=SEVERITY_RANK.__getitem__)
        # A keyed collection with arrays beside it (keys in a Map or an object, values or
        # arguments in arrays: memo and LRU caches) is one cache, not a queue and a cache.
        keyed = any(suspects[i].pattern in KEYED and suspects[i].holder_class != "Set"
                    for i in members)
        lead = min(members, key=lambda i: (
            keyed and suspects[i].pattern == "unbounded-queue",
            SPECIFIC.index(suspects[i].pattern), -SEVERITY_RANK[suspects[i].severity],
            -int(grown[i]), suspects[i].holder_path_text, i))
        # Named by the holder nearest to user code among the most severe: a module's state
        # object holding everything is no better a name for a growing array inside it. Of
        # holders equally near, the lead's own, then the one that grew most: never the order
        # the collections were found in, which follows V8's heap layout and changes between
        # runs (a TTL cache's `data` and `expirationMap`, side by side in one object). Of
        # collections alike in all that (two Maps of the same entries), the first by path.
        named = min((i for i in members if suspects[i].severity == severity),
                    key=lambda i: (where[i], i != lead, -int(grown[i]),
                                   suspects[i].holder_path_text, i))
        s = suspects[lead]
        timed = (s.pattern != "timer-leak" and any(where[i][0] for i in members)
                 and _jobs(snap, s.item_nodes))
        # The others in the order of what they explain, never in the order they were found
        # (V8's heap layout): ajv's three structures were listed one way in one run, the
        # other way in the next.
        others = [suspects[i] for i in sorted(
            (i for i in members if i != lead),
            key=lambda i: (-int(grown[i]), SPECIFIC.index(suspects[i].pattern),
                           -suspects[i].item_count, suspects[i].holder_path_text))]
        evidence = [*s.evidence, *(
            f"the same leak is also seen as {o.pattern} at {o.holder_class} @{o.holder_id} "
            f"({path_label(snap, o.holder, 3) or 'a root'}): "
            f"{o.item_count:,} {o.item_class}, which reach mostly the same new objects"
            for o in others)]
        h = suspects[named]
        if h.holder != s.holder:
            # The title names the holder the suspect is shown with, not the lead's own.
            said = holder_label(series, s.holder)
            if said in s.title:
                s = replace(s, title=s.title.replace(said, holder_label(series, h.holder), 1))
        if _parallel_arrays(snap, [suspects[i] for i in members]):
            # keys[i] -> values[i] (micro-memoize, moize): one cache kept in two arrays.
            s = replace(s, pattern="unbounded-cache", title=(
                f"{holder_label(series, h.holder)} and the arrays beside it only grow: "
                f"{h.item_count:,} entries in {len(members)} arrays of the same length, "
                f"holding {SIZE_MARK}"), advice=unbounded_cache.ADVICE)
            evidence.insert(0, f"{len(members)} arrays under one object gain the same "
                            "number of items at every snapshot (keys and values kept side "
                            "by side): one cache, not a queue")
        s = replace(s, severity=severity, evidence=evidence,
                    merged=tuple(o.holder for o in others), holder=h.holder,
                    holder_id=h.holder_id, holder_class=h.holder_class,
                    holder_path=h.holder_path, holder_path_text=h.holder_path_text)
        if timed:  # work a library keeps on timers of its own: scheduled, never cancelled
            s = replace(s, pattern="timer-leak", title=(
                f"{s.item_count:,} {s.item_class} scheduled on timers and never cancelled, "
                f"kept in {holder_label(series, h.holder)}, holding {SIZE_MARK}"),
                advice=("Cancel the scheduled job (or clear its timer) when its owner (user, "
                        "session, device) goes away, and schedule one job for many owners "
                        "rather than one per owner."))
        keep[lead] = s
    return [(i, keep[i]) for i in sorted(keep)]


def _jobs(snap: HeapSnapshot, items: np.ndarray) -> bool:
    """Most of ``items`` are work to run: functions, or objects with a function of their
    own (a scheduler's `Job` and its callback), not data (a metrics SDK's accumulations)."""
    items = np.asarray(items[:JOB_SAMPLE], dtype=np.int64)
    if items.size == 0:
        return False
    edges, owner = edges_and_owners(snap, items)
    own = (snap.edge_type[edges] == snap.E_PROPERTY) & (
        snap.node_type[snap.edge_to[edges]] == snap.T_CLOSURE)
    runnable = snap.node_type[items] == snap.T_CLOSURE
    runnable[np.unique(owner[own])] = True
    return bool(runnable.mean() >= TIMED_SHARE)


def _parallel_arrays(snap: HeapSnapshot, members: list[Suspect]) -> bool:
    """Arrays read as queues that are one structure with the same number of items in every
    snapshot (merged as companions): keys in one, values in the other."""
    return (len(members) >= 2 and len(members[0].item_counts) >= 2
            and all(m.pattern == "unbounded-queue" for m in members)
            and all(snap.class_name(m.holder) == "Array" for m in members)
            and all(m.item_counts == members[0].item_counts for m in members))


def companions(snap: HeapSnapshot, a: Suspect, b: Suspect, grown_a: int, grown_b: int) -> bool:
    """Two growing collections that are one structure: both a few steps below one object
    of the user's path (a memoized function's scope, a cache instance), growing at every
    step, and one indexes the other: the same keys (ids as an object's keys and as an array's
    indices, beside each other), or one holds next to nothing new of its own (ids or numbers
    pointing into the other: it retains next to nothing). Two collections that merely
    grow together (a session Map and an audit log fed by the same requests) stay two."""
    if a.pattern not in COLLECTIONS or b.pattern not in COLLECTIONS:
        return False
    if len(a.item_counts) < 2 or len(a.item_counts) != len(b.item_counts):
        return False
    if not (_rises(a.item_counts) and _rises(b.item_counts)):
        return False
    common = 0
    for x, y in zip(a.holder_path, b.holder_path, strict=False):
        if x != y:
            break
        common += 1
    if common == 0 or max(len(a.holder_path), len(b.holder_path)) - common > OWNER_STEPS:
        return False
    big = max(grown_a, grown_b, 1)
    if min(grown_a, grown_b) <= SIDE_INDEX * big:
        side = a if grown_a < grown_b else b
        return side.retained_size <= SIDE_INDEX * big
    keys_a, keys_b = _keys(snap, a.holder), _keys(snap, b.holder)
    small = min(keys_a.size, keys_b.size)
    return bool(small >= LOCKSTEP_KEYS
                and np.intersect1d(keys_a, keys_b).size >= SAME_KEYS * small)


def _keys(snap: HeapSnapshot, holder: int) -> np.ndarray:
    """An object's or array's keys as numbers: element indices, and property names (string
    ids, offset so they never equal an index)."""
    edges = np.arange(int(snap.first_edge[holder]), int(snap.first_edge[holder + 1]),
                      dtype=np.int64)
    types = snap.edge_type[edges]
    names = snap.edge_name[edges].astype(np.int64)
    element = names[types == snap.E_ELEMENT]
    prop = names[types == snap.E_PROPERTY] + (1 << 40)
    return np.unique(np.concatenate([element, prop]))


def _rises(counts: list[int]) -> bool:
    return all(y > x for x, y in zip(counts, counts[1:], strict=False))


# Most specific first: when candidates merge, the pattern comes from the most specific one.
SPECIFIC = ("timer-leak", "listener-leak", "per-request-retention", "closure-capture",
            "unbounded-queue", "high-cardinality-key", "unbounded-cache")


def _finished(series: Series, s: Suspect, grown: int, shared_with: tuple[int, ...],
              growth: int) -> Suspect:
    series_size = series.size
    evidence = list(s.evidence)
    if series_size >= 2:
        share = f" ({grown / growth:.0%} of the heap's growth)" if growth > 0 else ""
        evidence.append(f"new objects reachable from its items since the first snapshot: "
                        f"{format_size(grown)}{share}; retained by the holder alone (DevTools' "
                        f"dominator arithmetic): {format_size(s.retained_size)}")
    else:
        evidence.append(f"reachable from its items: {format_size(grown)}; retained by the "
                        f"holder alone: {format_size(s.retained_size)}")
    # In a series the title says what grew (a preallocated store or old entries retained
    # since before the first snapshot explain no growth); alone, the larger figure.
    size = grown if series_size >= 2 and grown > 0 else max(grown, s.retained_size)
    title = s.title.replace(SIZE_MARK, format_size(size))
    if (s.pattern == "timer-leak" and holder_rank(series.last, s.holder)[:2] == (0, 0)
            and ", kept in " not in title):
        title += f", kept in {holder_label(series, s.holder)}"  # the user's own object
    if series_size >= 2 and growth > 0 and s.severity != "low":
        if size < NEGLIGIBLE * growth:
            evidence.append(f"it explains under {NEGLIGIBLE:.0%} of the heap's growth: low")
            s = replace(s, severity="low")
        elif size < SMALL_BYTES and size < SMALL_SHARE * growth:
            evidence.append(f"it grew by only {format_size(size)}, under {SMALL_SHARE:.0%} of "
                            "the heap's growth: low")
            s = replace(s, severity="low")
    return replace(s, grown_size=grown, shared_holders=shared_with, evidence=evidence,
                   title=title)


def index_shared(suspects: list[Suspect]) -> list[Suspect]:
    """`shared_with` as indices into the ranked list (from the holders measured)."""
    where = {s.holder: i for i, s in enumerate(suspects)}
    return [replace(s, shared_with=sorted(where[h] for h in s.shared_holders if h in where))
            for s in suspects]
