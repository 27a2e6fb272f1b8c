"""Collections that may only grow: Maps, Sets, arrays and objects used as dictionaries.

Candidates are found vectorised over the last snapshot (entry counts of every object in one
JIT pass); only the few hundred with the most entries (or bytes) are decoded one by one: their
keys and values (a Map's hash table is read slot by slot), their entry count and retained size
in every snapshot (the same object by id, or the object at the same edge of the same parent
when the collection was replaced), and the class of what they hold. The four collection
patterns (`unbounded-cache`, `high-cardinality-key`, `per-request-retention`,
`unbounded-queue`) each judge these records."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from leaktui.snapshot import NO_DISTANCE, HeapSnapshot
from leaktui.snapshot._sets import isin, unique
from leaktui.snapshot.entries import Entries, array_entries, entries_of, kind_of, string_ids
from leaktui.snapshot.growth import collections_of, element_counts
from leaktui.snapshot.lean import AnySnapshot
from leaktui.suspects.base import (
    INTERNAL_CLASSES,
    STRING_CLASSES,
    Series,
    Suspect,
    counts_evidence,
    dominant_class,
    explained_by_callbacks,
    grows,
    make_suspect,
    node_scope_variable,
    severity_from,
)
from leaktui.suspects.graphops import closed_over, first_retaining_edges
from leaktui.units import format_size

MIN_ENTRIES = 16
# Node's own per-duration lists of timers (its `timerListMap` and the priority queue of
# them): one more for every distinct delay armed, a consequence of timers, never the leak.
NODE_TIMER_LISTS = ("TimersList",)
MIN_HEAVY_ENTRIES = 4  # with tens of kB each
MAX_BY_ENTRIES = 300
MAX_BY_SIZE = 100
MAX_BY_GROWTH = 200
BIG_ENTRIES = 5000  # one snapshot: this many entries is worth a look on its own
SOME_ENTRIES = 1000
FEW_ENTRIES = 200
HANDFUL = 50  # fewer properties than this do not make a plain object big by their size
STARTUP_ITEMS = ("BuiltinModule", "Function")  # one snapshot: Node's own tables, not leaks
MIN_STEP = 10  # entries a growing collection gains at each step of a series
KEYED = ("Map", "Set")
WORD = 8  # bytes per slot (Node's default build has no pointer compression)
NESTED_SAMPLE = 200
OWNER_FANOUT = 8  # objects a collection is a field of, looked at for the class owning it
NESTED_MIN_BYTES = 16 * 1024
HEAVY_STEP_BYTES = 64 * 1024


@dataclass
class Container:
    node: int  # ordinal in the last snapshot
    kind: str  # "map", "set", "array" or "object"
    entries: Entries  # in the last snapshot
    counts: list[int]  # entries per snapshot (0 where the collection did not exist yet)
    sizes: list[int]  # retained bytes per snapshot
    item_class: str
    born: int  # index of the first snapshot the collection is in
    nested: str = ""  # kind of the member collections when they are what grows
    members: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    replaced: bool = False  # an earlier snapshot's is another object at the same field

    @property
    def grows_as(self) -> str:
        """The kind of collection that accumulates: its own, or its members'; an array
        indexed by ids is used as a dictionary."""
        if self.nested:
            return self.nested
        return "object" if self.kind == "array" and self.entries.sparse else self.kind

    @property
    def count(self) -> int:
        return self.entries.count

    @property
    def step(self) -> int:
        """Entries a snapshot must add to count as growth: a few heavy entries (each step
        adding tens of kB) count as much as many light ones."""
        sizes = self.sizes[self.born:]
        heavy = len(sizes) >= 2 and all(b - a >= HEAVY_STEP_BYTES
                                        for a, b in zip(sizes, sizes[1:], strict=False))
        return 1 if heavy else MIN_STEP

    @property
    def growing(self) -> bool:
        """Grew while it existed (a collection made full between two snapshots did not)."""
        return grows(self.counts[self.born:], self.step)


def _collection_mask(snap: HeapSnapshot) -> np.ndarray:
    """Per class id: a Map, Set, array or plain object (dictionary) class."""
    names = snap.class_names
    mask = np.asarray([n in KEYED or n in ("Array", "Object") or n.startswith("{")
                       for n in names], dtype=np.bool_)
    return mask


def candidates(series: Series) -> np.ndarray:
    """Collections worth decoding in the last snapshot, reachable (from user roots or from a
    running function's stack): the most entries, the most bytes and, in a series, the most
    entries gained since the first snapshot (the same object by id)."""
    snap = series.last
    entries = element_counts(snap)
    # Arrays of numbers have no element edges: their size shows in the (folded) self size.
    many = entries >= MIN_ENTRIES
    big = snap.self_size >= WORD * MIN_ENTRIES * 4
    # The other conditions are checked on these few nodes only (not node-sized masks).
    nodes = np.flatnonzero(many | big)
    many, big = many[nodes], big[nodes]
    ok = snap.node_type[nodes] == snap.T_OBJECT
    ok &= _collection_mask(snap)[snap.class_id[nodes]] | isin(nodes, snap.plain_objects)
    distance = snap.distance[nodes]
    ok &= (distance != NO_DISTANCE) & (distance >= 1)
    listed = nodes[ok & many]
    by_entries = listed[np.argsort(-entries[listed].astype(np.int64),  # uint32: no wrap
                                   kind="stable")[:MAX_BY_ENTRIES]]
    sized = nodes[ok & big]
    by_retained = np.argsort(-snap.retained_size[sized].astype(np.int64), kind="stable")
    by_size = sized[by_retained[:MAX_BY_SIZE]]
    found = [by_entries, by_size]
    if series.size >= 2 and listed.size:
        first = series.snaps[0]
        before = first.ordinals_of_ids(snap.node_id[listed].astype(np.int64))
        had = collections_of(first).element_counts(before)
        gained = entries[listed].astype(np.int64) - had.astype(np.int64)
        found.append(listed[np.argsort(-gained, kind="stable")[:MAX_BY_GROWTH]])
    return unique(np.concatenate(found))


def _best_retainer(snap: HeapSnapshot, node: int) -> tuple[int, int]:
    """(edge, source) of the retainer nearest to a root, or (-1, -1)."""
    slots = snap.retainer_slots(node)
    if not len(slots):
        return -1, -1
    edges = snap.retaining_edges[slots.start:slots.stop].astype(np.int64)
    srcs = np.asarray(snap.retaining_nodes[slots.start:slots.stop], dtype=np.int64)
    ok = snap.edge_type[edges] != snap.E_WEAK
    if not ok.any():
        return -1, -1
    d = snap.distance[srcs].astype(np.int64)
    d[~ok | (d < 0)] = np.iinfo(np.int64).max
    i = int(np.argmin(d))
    return int(edges[i]), int(srcs[i])


def same_slot(series: Series, snap: AnySnapshot, node: int) -> int:
    """The collection at the same edge of the same parent in an earlier snapshot (read from
    its `Collections`): a collection that was replaced (`queue = queue.filter(...)`) keeps its
    place, not its id."""
    last = series.last
    edge, parent = _best_retainer(last, node)
    if edge < 0:
        return -1
    before = snap.ordinal_of_id(int(last.node_id[parent]))
    if before is None:
        return -1
    held = collections_of(snap).held_by(before, last.edge_type_name(edge),
                                        last.edge_name_text(edge))
    wanted = last.class_name(node)
    for target in held.tolist():
        if _class_name(snap, target) == wanted:
            return int(target)
    return -1


def _class_name(snap: AnySnapshot, node: int) -> str:
    return snap.class_names[int(snap.class_id[node])]


def containers(series: Series) -> list[Container]:
    """Decoded candidate collections of the last snapshot (computed once per scan)."""
    cached = series.cache.get("containers")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    nodes = candidates(series)
    matched = series.match(nodes)
    out: list[Container] = []
    for i, node in enumerate(nodes.tolist()):
        c = _container(series, node, [int(ords[i]) for ords in matched])
        if c is not None:
            out.append(c)
    out += _parents_of_growing_members(series, out)
    inside = {int(v) for c in out if c.nested for v in c.members.tolist()}
    out = [c for c in out if c.node not in inside]  # explained by the collection holding them
    series.cache["containers"] = out
    return out


def _container(series: Series, node: int, ordinals: list[int],
               min_entries: int = MIN_ENTRIES) -> Container | None:
    """The collection ``node`` of the last snapshot with its entries in each snapshot
    (``ordinals``: the same object by id there, -1 where absent); None when too small."""
    snap = series.last
    kind = kind_of(snap, node)
    entries = entries_of(snap, node, kind)
    heavy = entries.count >= MIN_HEAVY_ENTRIES and (
        int(snap.retained_size[node]) >= HEAVY_STEP_BYTES * MIN_HEAVY_ENTRIES)
    if entries.count < min_entries and not heavy:
        return None
    counts, sizes, born, replaced = [], [], -1, False
    for k, (s, o) in enumerate(zip(series.snaps, ordinals, strict=True)):
        if s is snap:
            counts.append(entries.count)
            sizes.append(int(snap.retained_size[node]))
            born = k if born < 0 else born
            continue
        if o >= 0 and _class_name(s, o) != snap.class_name(node):
            o = -1  # the id names another object there (a snapshot of another process)
        if o < 0:
            o = same_slot(series, s, node)
            replaced = replaced or o >= 0
        older = collections_of(s)  # entries by its own kind: the same class, so this kind
        counts.append(int(older.entry_counts(np.asarray([o]))[0]))
        sizes.append(int(older.retained_sizes(np.asarray([o]))[0]))
        if born < 0 and o >= 0:
            born = k
    c = Container(node, kind, entries, counts, sizes, _item_class(snap, kind, entries), born,
                  replaced=replaced)
    if c.item_class in NODE_TIMER_LISTS:
        return None  # Node's lists of timers by duration: what the timer pattern explains
    flat_but_heavier = series.size >= 2 and not c.growing and _bytes_grow(sizes[born:])
    heavy_alone = (series.size == 1 and c.count < FEW_ENTRIES
                   and sizes[-1] >= 0.01 * series.heap_size)
    if flat_but_heavier or heavy_alone:
        c = _nested(series, c) or c
    return c


PARENT_LEVELS = 3  # a member's dominator chain up to its collection (Map -> table -> Map)


def _parents_of_growing_members(series: Series, found: list[Container]) -> list[Container]:
    """A Map, Set or array of a few collections that all grow (`byTenant.get(t).set(...)`)
    has too few entries to be a candidate itself: found through the members, it is judged
    as one collection of their entries, so one suspect names it instead of one per member."""
    if series.size < 2:
        return []
    snap = series.last
    listed = {c.node for c in found}
    members: dict[int, int] = {}
    for c in found:
        if not c.growing or c.nested:
            continue
        d = int(snap.dominator[c.node])
        for _ in range(PARENT_LEVELS):
            if d == snap.root or d in listed:
                break
            if snap.node_type[d] == snap.T_OBJECT and snap.class_name(d) in (*KEYED, "Array"):
                members[d] = members.get(d, 0) + 1
                break
            d = int(snap.dominator[d])
    out = []
    for parent, count in members.items():
        if count < 2:
            continue
        outer = _container(series, parent, [int(o[0]) for o in series.match(
            np.asarray([parent]))], min_entries=2)
        if outer is not None and not outer.nested:
            outer = _nested(series, outer)
        if outer is not None and outer.nested:
            out.append(outer)
    return out


def _bytes_grow(sizes: list[int]) -> bool:
    return (len(sizes) >= 2 and all(b > a for a, b in zip(sizes, sizes[1:], strict=False))
            and sizes[-1] - sizes[0] >= NESTED_MIN_BYTES and sizes[-1] >= 1.2 * sizes[0])


def _nested(series: Series, outer: Container) -> Container | None:
    """A collection of collections whose own entry count is flat while its members grow
    (`history.get(user).push(event)`): the members' entries are added up per snapshot (the
    same members by id, a sample when there are many) and judged as one collection."""
    snap = series.last
    values = unique(outer.entries.values)
    if values.size == 0:
        return None
    kinds = np.asarray([kind_of(snap, int(v)) for v in values[:NESTED_SAMPLE]], dtype=object)
    is_collection = _collection_mask(snap)[snap.class_id[values[:NESTED_SAMPLE]]] & (
        snap.node_type[values[:NESTED_SAMPLE]] == snap.T_OBJECT)
    if is_collection.sum() < max(2, 0.5 * min(values.size, NESTED_SAMPLE)):
        return None
    inner = values[:NESTED_SAMPLE][is_collection]
    inner_kinds = kinds[is_collection]
    kind = max(set(inner_kinds.tolist()), key=inner_kinds.tolist().count)
    inner = inner[inner_kinds == kind]
    scale = values.size / min(values.size, NESTED_SAMPLE)
    matched = series.match(inner)
    if series.size >= 2 and (matched[-2] >= 0).mean() < 0.5:
        # Most members are new since the snapshot before: not members growing but members
        # replaced (a cache swapping its generations), whose entries' ids cannot show growth.
        return None
    totals = []
    items = []
    for s, ords in zip(series.snaps, matched, strict=True):
        total = 0
        if s is snap:
            for o in ords.tolist():
                e = entries_of(s, o, kind, names=False)
                total += e.count
                items.append(e.values)
        else:  # the members' entries by their own kind there: the same objects, this kind
            total = int(collections_of(s).entry_counts(ords).sum())
        totals.append(round(total * scale))
    if series.size == 1:  # alone: members holding many more entries than the collection
        if totals[-1] < max(FEW_ENTRIES, 4 * outer.count):
            return None
    elif not grows(totals[outer.born:], MIN_STEP):
        return None
    values_now = np.concatenate(items) if items else np.zeros(0, dtype=np.int64)
    entries = Entries(totals[-1], np.zeros(0, dtype=np.int64), values_now)
    return Container(outer.node, outer.kind, entries, totals, outer.sizes,
                     _item_class(snap, kind, entries), outer.born, nested=kind,
                     members=values[_collection_mask(snap)[snap.class_id[values]]],
                     replaced=outer.replaced)


def keyed_items(snap: HeapSnapshot, kind: str, entries: Entries) -> bool:
    """A Map whose values are no objects (a count or a flag per key) and whose keys are
    objects: the keys are its items (`Map<listener, count>`, `Map<socket, lastSeen>`). A
    Map of strings to slot numbers is an LRU's index instead (`index_owner`)."""
    keys = entries.keys
    if kind != "map" or keys.size == 0 or entries.values.size >= 0.5 * keys.size:
        return False
    strings = np.isin(snap.node_type[keys[:NESTED_SAMPLE]],
                      (snap.T_STRING, snap.T_CONS, snap.T_SLICED))
    return bool(strings.mean() < 0.5)


def items_of(snap: HeapSnapshot, c: Container) -> np.ndarray:
    """The objects a collection holds as its items: its values, members or elements, or a
    Map's keys when those are its items (`keyed_items`)."""
    if not c.nested and keyed_items(snap, c.kind, c.entries):
        return c.entries.keys
    return c.entries.values


def _item_class(snap: HeapSnapshot, kind: str, entries: Entries) -> str:
    if entries.numeric:
        return "(number)"
    if keyed_items(snap, kind, entries):
        name, _ = dominant_class(snap, entries.keys)
        return name
    skip = INTERNAL_CLASSES + (STRING_CLASSES if kind == "map" else ())
    name, _ = dominant_class(snap, entries.values, skip=skip)
    if name == "-":  # a Set of strings, a Map of strings: the strings are the items
        name, _ = dominant_class(snap, entries.values, skip=("(system)", "(object shape)"))
    return name


def mostly_claimed(series: Series, c: Container) -> bool:
    """Its entries were already explained by a more specific pattern (timers, listeners)."""
    sample = c.entries.values[:200].tolist()
    return bool(sample) and sum(series.is_claimed(v) for v in sample) >= len(sample) / 2


def worth_reporting(series: Series, c: Container) -> bool:
    """In a series: the collection grew. Alone: it is large (in entries or bytes) for its
    heap (ranked by size, it stays low unless it is big), and it is not one of the tables
    every Node process builds at startup (its builtin modules, method tables, a variable of
    Node's own modules), what a library defines once (`defined_once`), nor owned by what a
    timer sweeps (`swept_by_timer`: a
    periodic sweep, a TTL's purge)."""
    if mostly_claimed(series, c):
        return False
    if series.size >= 2:
        return c.growing
    if c.item_class in STARTUP_ITEMS:
        return False
    large = c.count >= BIG_ENTRIES or (
        c.count >= FEW_ENTRIES and c.sizes[-1] >= 0.01 * series.heap_size) or (
        c.count >= MIN_HEAVY_ENTRIES and c.sizes[-1] >= 0.05 * series.heap_size)
    # (a table of Node's own modules: its package.json reader's cache; a window a periodic
    # sweep swaps out, such as a rate limiter's hits per client; a TTL cache's entries)
    return large and not defined_once(series.last, c.node) and not node_scope_variable(
        series.last, c.node) and swept_by_timer(series, c.node) is None


def defined_once(snap: HeapSnapshot, node: int) -> bool:
    """``node`` is a class's prototype or a collection kept on one (a method table, a
    parser's tables), or a module's exports (a JSON table a library ships, such as mime-db):
    what a library defines once, not what a service adds per request. Alone, a snapshot
    cannot show such an object growing, so it is not a suspect."""
    exports = string_ids(snap, "exports", "<symbol node:module_export>")
    edges, sources = _property_retainers(snap, node)
    if any(snap.class_name(int(m)) == "Module"
           for m in sources[isin(snap.edge_name[edges], exports)].tolist()):
        return True
    prototype = string_ids(snap, "prototype")
    owners = sources[snap.node_type[sources] == snap.T_OBJECT][:OWNER_FANOUT]
    for owner in [node, *owners.tolist()]:
        edges, sources = _property_retainers(snap, owner)
        if (isin(snap.edge_name[edges], prototype)
                & (snap.node_type[sources] == snap.T_CLOSURE)).any():
            return True
    return False


def _property_retainers(snap: HeapSnapshot, node: int) -> tuple[np.ndarray, np.ndarray]:
    """(edges, their sources) of the first property edges to ``node`` (raw order)."""
    edges = first_retaining_edges(snap, node)
    edges = edges[snap.edge_type[edges] == snap.E_PROPERTY]
    return edges, snap.edge_sources(edges)


def is_big(series: Series, c: Container) -> bool:
    """Many entries, or a large share of the heap; for a plain object, in more than a
    handful of properties (a few dozen holding much of the heap is how a module keeps its
    state, not a cache)."""
    share = c.sizes[-1] / max(series.heap_size, 1)
    few = c.kind == "object" and c.count < HANDFUL
    return c.count >= BIG_ENTRIES or (c.count >= SOME_ENTRIES and share >= 0.05) or (
        share >= 0.15 and not few)


def growth_evidence(series: Series, c: Container, unit: str) -> list[str]:
    """In a series: the entry count and the retained size of the collection per snapshot."""
    if series.size < 2:
        return []
    node_id = int(series.last.node_id[c.node])
    counts = (counts_evidence(c.counts, unit) + f" (@{node_id}, and before it the collections "
              "it replaced at the same field)" if c.replaced
              else counts_evidence(c.counts, unit, node_id))
    return [counts, "retained: " + " -> ".join(format_size(s) for s in c.sizes)]


def container_severity(series: Series, c: Container, evidence: list[str],
                       big: bool | None = None) -> str:
    """How sure a collection is a leak: steady growth across the series (from the snapshot it
    appeared in), or its size; at most medium when leaked callbacks hold its items, low when
    it is the newest bucket of a rolling window."""
    severity = severity_from(c.counts[c.born:], series.size - c.born,
                             big=is_big(series, c) if big is None else big, min_step=c.step)
    window = rolling_bucket(series.last, c.node,
                            series.snaps[-2] if series.size >= 2 else None)
    if window is not None and severity != "low":
        evidence.append(window)
        return "low"
    if severity == "high" and c.born == 0 and c.counts[0] > 0:
        sweep = swept_by_timer(series, c.node)
        if sweep is not None:
            evidence.append(sweep)
            severity = "medium"
    return explained_by_callbacks(series, c.entries.values, severity, evidence)


def swept_by_timer(series: Series, node: int) -> str | None:
    """Why growth of ``node`` seen across the series may be a sweep's window, or None: a live
    timer's callback closes over the object owning it (as a variable of its scope, `this`
    included, or as its bound receiver). A setInterval swaps or clears what it owns every
    period (a rate limiter's window of hits per client); a pending setTimeout over its owner is
    how a TTL cache expires its entries (it purges, then arms itself for the next expiry).
    Snapshots taken within one period or one ttl cannot tell that from a leak: high needs more
    than that."""
    snap = series.last
    owners = _property_retainers(snap, node)[1]
    if owners.size == 0:
        return None
    scopes = series.cache.get("timer_scopes")
    if scopes is None:
        scopes = _timer_scopes(snap)
        series.cache["timer_scopes"] = scopes
    timers, repeats, which, held = scopes
    hit = unique(which[isin(held, owners)])
    if hit.size == 0:
        return None
    looping = hit[repeats[hit]]
    first = int(looping[0] if looping.size else hit[0])  # a repeating timer is the sweep, if any
    period = _timer_period(snap, int(timers[first]))
    if repeats[first]:
        every = f"every {period / 1000:g} s" if period else "on a period"
        return (f"a repeating timer (setInterval, {every}) closes over the object that owns "
                "it: if it swaps or clears this collection, growth within one period is no "
                "leak (compare snapshots taken further apart than that)")
    delay = f", {period / 1000:g} s" if period else ""
    return (f"a pending timer (setTimeout{delay}) closes over the object that owns it, as a "
            "TTL cache's purge does: if it expires these entries, growth within its delay is "
            "no leak (compare snapshots taken further apart than that)")


def _timer_scopes(snap: HeapSnapshot) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Live timers, whether each repeats, and pairs (index of a timer, an object its callback
    closes over: the callback, its scope and the scope's variables, `this` included, a bound
    function and its receiver)."""
    from leaktui.suspects.timer_leak import timer_groups

    groups = timer_groups(snap)
    which, held = closed_over(snap, groups.callbacks, wider=True)
    return groups.timers, groups.intervals.astype(np.bool_), which, held

TIMER_LIST_STEPS = 64


def _timer_period(snap: HeapSnapshot, timer: int) -> int:
    """The period in ms of ``timer``: the key of Node's list of timers it is linked in (0
    when the list is not found within `TIMER_LIST_STEPS` links)."""
    node = timer
    for _ in range(TIMER_LIST_STEPS):
        nxt = -1
        for e in snap.edges(node):
            if snap.edge_name_text(e) == "_idleNext":
                nxt = int(snap.edge_to[e])
                break
        if nxt < 0 or nxt == timer:
            return 0
        if snap.class_name(nxt) == "TimersList":
            for e in first_retaining_edges(snap, nxt).tolist():  # not the priority queue's
                name = snap.edge_name_text(e)
                if (name.isdigit() and int(snap.edge_type[e]) != snap.E_INTERNAL
                        and snap.class_name(snap.edge_source(e)) != "Array"):
                    return int(name)
            return 0
        node = nxt
    return 0


MIN_BUCKETS = 3
MAX_BUCKETS = 256


def rolling_bucket(snap: HeapSnapshot, node: int,
                   before: AnySnapshot | None = None) -> str | None:
    """Why ``node`` is the newest bucket of a rolling window, or None: it is a field of the
    first or last element of an array of at least `MIN_BUCKETS` objects of one class, each
    with the same field holding a collection of the same class (a circuit breaker's or rate
    meter's window of per-second buckets). Rotating the window replaces that bucket, so it
    grows only until the next rotation: between snapshots taken closer together than the
    window's period it looks like a queue that only grows, and is not one.

    With ``before``, the snapshot taken before ``snap``: the window may have rotated between
    the two (opossum's every second, at any moment of a series a second long), leaving the
    bucket that grew one step in, behind buckets all new since ``before``. Whether it did
    follows the clock, not the program: it is the newest bucket too."""
    edges, sources = _property_retainers(snap, node)
    kind = snap.class_name(node)
    for edge, bucket in zip(edges.tolist(), sources.tolist(), strict=True):
        field_name = int(snap.edge_name[edge])
        for slot in first_retaining_edges(snap, bucket).tolist():
            if int(snap.edge_type[slot]) != snap.E_ELEMENT:
                continue
            window = snap.edge_source(slot)
            elements = [e for e in snap.edges(window)
                        if int(snap.edge_type[e]) == snap.E_ELEMENT][:MAX_BUCKETS + 1]
            if not MIN_BUCKETS <= len(elements) <= MAX_BUCKETS or slot not in elements:
                continue
            members = [int(snap.edge_to[e]) for e in elements]
            newer = _newer_buckets(snap, members, elements.index(slot), before)
            if newer is None or not all(_same_field(snap, m, bucket, field_name, kind)
                                        for m in members):
                continue
            rotated = (f", and {newer} put in front of it since the previous snapshot: the "
                       "window rotated between the two" if newer else "")
            return (f"it is a field of the newest of {len(members)} buckets of one shape "
                    f"(the array @{int(snap.node_id[window])}, each bucket with its own "
                    f"'{snap.strings[field_name]}'{rotated}): a rolling window, whose "
                    "rotation replaces this bucket; snapshots taken within one rotation see "
                    "it grow")
    return None


def _newer_buckets(snap: HeapSnapshot, members: list[int], at: int,
                   before: AnySnapshot | None) -> int | None:
    """How many buckets lie between the one at ``at`` and an end of the window, all of them
    absent from ``before`` (0: it is at an end); None when it is not the newest that way."""
    if at in (0, len(members) - 1):
        return 0
    if before is None:
        return None
    ids = snap.node_id[np.asarray(members, dtype=np.int64)].astype(np.int64)
    new = before.ordinals_of_ids(ids) < 0
    if new[:at].all():
        return at
    if new[at + 1:].all():
        return len(members) - 1 - at
    return None


def _same_field(snap: HeapSnapshot, member: int, bucket: int, field_name: int,
                kind: str) -> bool:
    if snap.class_name(member) != snap.class_name(bucket):
        return False
    for e in snap.edges(member):
        if int(snap.edge_type[e]) == snap.E_PROPERTY and int(snap.edge_name[e]) == field_name:
            return snap.class_name(int(snap.edge_to[e])) == kind
    return False


def container_suspect(series: Series, c: Container, pattern: str, severity: str, title: str,
                      evidence: list[str], advice: str, holder: int | None = None) -> Suspect:
    """The suspect for a collection (its entries are the items); the collection is claimed so
    no later detector reports it again. ``holder``: the object owning the collection when it
    is the suspect rather than the collection (an index Map beside the value arrays)."""
    node = c.node if holder is None else holder
    retained = int(series.last.retained_size[node])
    suspect = make_suspect(series, pattern, severity, title, node, c.item_class, c.counts,
                           retained, evidence, advice, c.sizes, item_nodes=items_of(series.last, c),
                           reach_from=np.asarray([node], dtype=np.int64))
    series.claim(c.node)
    series.claim(node)
    return suspect


def index_owner(series: Series, c: Container) -> int:
    """A Map whose values are no objects (small integers: slots of arrays kept beside it, as
    LRU caches do) is the index of a cache, not the cache: the object owning it, with the
    arrays of keys and values beside it, is (-1: not such a Map)."""
    snap = series.last
    keys, values = c.entries.keys, c.entries.values  # decoded (a sample of a huge table)
    if c.kind != "map" or c.nested or keys.size == 0 or values.size >= 0.5 * keys.size:
        return -1
    if keyed_items(snap, c.kind, c.entries):
        return -1  # objects as keys: the Map holds its items itself
    for e, src in snap.retainers(c.node):
        if (int(snap.edge_type[e]) == snap.E_PROPERTY
                and int(snap.node_type[src]) == snap.T_OBJECT and _holds_array_beside(
                    snap, src, c.node, 0.5 * min(c.count, keys.size))):
            return src
    return -1


def _holds_array_beside(snap: HeapSnapshot, owner: int, index: int, at_least: float) -> bool:
    """``owner`` holds, beside the Map ``index``, an array with at least ``at_least``
    elements (or slots, for an array of numbers): where an LRU keeps its keys or values."""
    for e in snap.edges(owner):
        target = int(snap.edge_to[e])
        if target == index or int(snap.edge_type[e]) in (snap.E_WEAK, snap.E_SHORTCUT):
            continue
        if kind_of(snap, target) == "array" and array_entries(snap, target).count >= at_least:
            return True
    return False
