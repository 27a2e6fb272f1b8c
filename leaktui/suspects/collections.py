"""Collections that only grow: `unbounded-cache`, `high-cardinality-key`,
`per-request-retention` and `unbounded-queue`.

Candidates are found vectorised over the last snapshot (Maps, Sets, arrays and objects used as
dictionaries, reachable from a user root, with many entries); only those few hundred are looked
at one by one: their entry count in every snapshot (same object id), what their entries are,
and what their keys look like.
"""

from __future__ import annotations

import re

import numpy as np

from leaktui.snapshot import BASE_SYSTEM_DISTANCE
from leaktui.suspects.base import (
    HTTP_CLASSES,
    STRING_CLASSES,
    Series,
    Suspect,
    compact_path,
    dominant_class,
    entry_targets,
    human,
    path_text,
    relative_growth,
    retained_classes,
    severity_from,
)

MIN_ENTRIES = 32
MAX_CANDIDATES = 300
BIG_ENTRIES = 5000
KEYED = ("Map", "Set")

_UNIQUE_KEY = [
    re.compile(r"\b\d{1,3}(\.\d{1,3}){3}\b"),  # IPv4
    re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I),  # UUID
    re.compile(r"\b[0-9a-f]{16,}\b", re.I),  # long hex ids, hashes
    re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"),  # ISO timestamps
    re.compile(r"\b1\d{9}(\d{3})?\b"),  # epoch seconds / milliseconds
    re.compile(r"Mozilla/|AppleWebKit|curl/|python-requests|okhttp", re.I),  # user agents
]
_SEPARATORS = re.compile(r"[|:/;,# ]")


def looks_high_cardinality(key: str) -> bool:
    """A key built from values that rarely repeat (ips, ids, timestamps, user agents, or long
    composites of several such parts)."""
    if any(p.search(key) for p in _UNIQUE_KEY):
        return True
    return (len(key) >= 24 and len(_SEPARATORS.findall(key)) >= 2
            and any(c.isdigit() for c in key))


def candidates(series: Series) -> np.ndarray:
    """Collections worth a closer look in the last snapshot, most entries first."""
    snap = series.last
    entries = series.entry_counts[-1]
    wanted = np.asarray([name in KEYED + ("Array", "Object") or name.startswith("{")
                         for name in snap.class_names], dtype=np.bool_)
    ok = wanted[snap.class_id] & (entries >= MIN_ENTRIES)
    found = np.flatnonzero(ok)
    found = found[(snap.node_type[found] == snap.T_OBJECT) & (snap.distance[found] >= 1)
                  & (snap.distance[found] < BASE_SYSTEM_DISTANCE)]
    return found[np.argsort(-entries[found], kind="stable")[:MAX_CANDIDATES]]


def _events_objects(snap) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Mask: objects that are some emitter's `_events`."""
    cached = snap.__dict__.get("_suspect_events_mask")
    if cached is None:
        names = snap.strings.indexes_of(["_events"])["_events"]
        cached = np.zeros(snap.node_count, dtype=np.bool_)
        if names:
            edges = np.flatnonzero(np.isin(snap.edge_name, names)
                                   & (snap.edge_type == snap.E_PROPERTY))
            cached[snap.edge_to[edges]] = True
        snap.__dict__["_suspect_events_mask"] = cached
    return cached  # type: ignore[no-any-return]


def _is_listener_array(snap, node: int) -> bool:  # type: ignore[no-untyped-def]
    """An array held by an emitter's `_events` object: listeners, reported as such."""
    slots = snap.retainer_slots(node)
    sources = snap.retaining_nodes[slots.start:slots.stop]
    return bool(_events_objects(snap)[np.asarray(sources, dtype=np.int64)].any())


def _keys(snap, node: int, targets: np.ndarray, limit: int = 300) -> list[str]:  # type: ignore[no-untyped-def]
    """Key strings of a Map/Set (its string entries) or an object (its property names)."""
    name = snap.class_name(node)
    if name in KEYED:
        strings = targets[np.isin(np.asarray(snap.class_names, dtype=object)[
            snap.class_id[targets]], np.asarray(STRING_CLASSES, dtype=object))]
        return [snap.name(int(t)) for t in strings[:limit]]
    keys: list[str] = []
    for e in snap.edges(node):
        if int(snap.edge_type[e]) == snap.E_PROPERTY:
            keys.append(snap.edge_name_text(e))
        if len(keys) >= limit:
            break
    for e in snap.edges(node):  # dictionary-mode objects keep their keys in `properties`
        if snap.edge_name_text(e) == "properties":
            store = int(snap.edge_to[e])
            for e2 in snap.edges(store):
                t = int(snap.edge_to[e2])
                if snap.class_name(t) in STRING_CLASSES:
                    keys.append(snap.name(t))
                if len(keys) >= limit:
                    break
    return keys


def _http_share(snap, targets: np.ndarray) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """How many HTTP request/response/socket objects the entries reach in two steps."""
    if targets.size == 0:
        return 0, ""
    lo = snap.first_edge[targets].astype(np.int64)
    hi = snap.first_edge[targets + 1].astype(np.int64)
    lengths = np.minimum(hi - lo, 64)
    idx = np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    reach = np.concatenate([targets, snap.edge_to[idx].astype(np.int64)])
    names = np.asarray(snap.class_names, dtype=object)[snap.class_id[reach]]
    hits = np.isin(names, np.asarray(HTTP_CLASSES, dtype=object))
    if not hits.any():
        return 0, ""
    uniq, counts = np.unique(names[hits].astype(str), return_counts=True)
    top = str(uniq[int(np.argmax(counts))])
    return int(np.unique(reach[hits]).size), top


def detect(series: Series, claimed: set[int]) -> list[Suspect]:
    snap = series.last
    total = max(snap.total_size, 1)
    out: list[Suspect] = []
    for node in candidates(series).tolist():
        if node in claimed or _is_listener_array(snap, node):
            continue
        counts, sizes = series.history(node)
        alive = [c for c in counts if c >= 0]  # snapshots in which the object exists
        grown = [max(c, 0) for c in counts]
        big = counts[-1] >= BIG_ENTRIES or (counts[-1] >= 1000
                                            and snap.retained_size[node] >= 0.05 * total)
        if series.size >= 2 and (len(alive) < 2 or alive[-1] - alive[0] < 10):
            continue  # new, steady or shrinking across the series: bounded, not a leak
        targets = entry_targets(snap, node)
        http_count, http_class = _http_share(snap, targets)
        if series.size == 1 and not big and http_count < 50:
            continue  # one snapshot: only structures that are large (or hold requests) count
        severity = severity_from(grown, series.size, big or http_count >= 50)
        holder_class = snap.class_name(node)
        internals = ("(system)", "(object shape)", "(compiled code)", "(number)")
        item_class, _ = dominant_class(snap, targets, skip=internals + (
            STRING_CLASSES if holder_class in KEYED else ()))
        if item_class == "-":  # a Set of strings: the keys are the items
            item_class, _ = dominant_class(snap, targets, skip=internals)
        path = snap.path_names(node)
        where = f"{holder_class} @{int(snap.node_id[node])} ({path_text(path)})"
        evidence = [f"entries per snapshot: {' -> '.join(f'{c:,}' for c in counts)} "
                    f"(same object @{int(snap.node_id[node])})"] if series.size > 1 else [
            f"{counts[-1]:,} entries in one snapshot"]
        if series.size > 1:
            evidence.append("retained: " + " -> ".join(human(s) for s in sizes if s >= 0))
        retained = int(snap.retained_size[node])
        if http_count >= 10:
            pattern = "per-request-retention"
            title = (f"{http_count:,} HTTP request/response objects ({http_class}, ...) kept in "
                     f"{where} hold {human(retained)}")
            evidence.append(f"{http_count:,} {', '.join(HTTP_CLASSES[:3])} objects reached "
                            "from its entries: requests that finished are still referenced")
            advice = ("Delete the entry when the request finishes (res.on('finish') / 'close'), "
                      "or keep only the fields you need (ids, timings) instead of req/res "
                      "objects and payloads.")
            item_class = http_class
        elif holder_class == "Array":
            pattern = "unbounded-queue"
            verb = "grew to" if series.size > 1 else "holds"
            title = (f"Array {path_text(path)} {verb} {counts[-1]:,} {item_class} items, "
                     f"holding {human(retained)}")
            advice = ("Bound the queue or buffer: drop or reject work past a limit, apply "
                      "backpressure to producers, and flush or rotate log buffers on a size and "
                      "time trigger.")
        else:
            keys = _keys(snap, node, targets)
            unique = sum(looks_high_cardinality(k) for k in keys)
            if keys and unique >= 0.6 * len(keys):
                pattern = "high-cardinality-key"
                sample = ", ".join(repr(k[:40]) for k in keys[:2])
                title = (f"{holder_class} {path_text(path)} caches {counts[-1]:,} entries under "
                         f"near-unique keys ({human(retained)})")
                evidence.append(f"{unique} of {len(keys)} sampled keys look unique "
                                f"(ids, ips, timestamps, user agents), e.g. {sample}")
                advice = ("Normalise the key to what the cached value depends on (drop "
                          "timestamps, request ids, raw user agents), and bound the cache "
                          "(LRU with a size limit, TTL).")
            else:
                pattern = "unbounded-cache"
                title = (f"{holder_class} {path_text(path)} only grows: {counts[-1]:,} entries "
                         f"of {item_class} hold {human(retained)}")
                advice = ("Bound the cache: an LRU with a maximum size, a TTL on entries, or "
                          "a WeakMap keyed by the owning object; delete entries when their "
                          "owner goes away.")
        if severity == "high":
            evidence.append("steady growth across every snapshot")
        suspect = Suspect(
            pattern=pattern, severity=severity, title=title, holder=node,
            holder_id=int(snap.node_id[node]), holder_class=holder_class,
            holder_path=compact_path(path), item_class=item_class, item_count=counts[-1],
            item_counts=counts, retains=retained_classes(snap, node), retained_size=retained,
            evidence=evidence, advice=advice, growth=relative_growth(grown))
        out.append(suspect)
        claimed.add(node)
    return out
