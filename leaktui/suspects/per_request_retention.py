"""`per-request-retention`: requests, responses, sockets (or what holds them) kept in a
long-lived collection after they finished.

Keys on Node's own HTTP and socket classes reached from a growing collection's entries within
a few steps (an entry may be the request itself, a context object holding it, or a closure over
it), whatever the application calls its structures."""

from __future__ import annotations

import numpy as np

from leaktui.snapshot import HeapSnapshot
from leaktui.snapshot._sets import isin, unique
from leaktui.snapshot.reach import reach, release_scratch
from leaktui.suspects import registrations
from leaktui.suspects.base import (
    SIZE_MARK,
    Series,
    Suspect,
    counts_evidence,
    holder_label,
    make_suspect,
    sampled_share,
    severity_from,
)
from leaktui.suspects.containers import Container, containers, is_big, worth_reporting
from leaktui.suspects.graphops import edges_and_owners, named_targets, string_ids
from leaktui.units import format_size

PATTERN = "per-request-retention"
HTTP_CLASSES = ("IncomingMessage", "ServerResponse", "ClientRequest", "Socket", "TLSSocket",
                "Http2ServerRequest", "Http2ServerResponse", "ServerHttp2Stream",
                "ClientHttp2Stream", "WebSocket")
PREFERENCE = {name: i for i, name in enumerate(HTTP_CLASSES)}
CONNECTION_CLASSES = ("Socket", "TLSSocket", "WebSocket")
HEADER_FIELDS = ("host", "user-agent", "content-type", "content-length", "accept",
                 "accept-encoding", "connection", "transfer-encoding", "cookie", "referer")
HEADERS = "request headers"
DONE_FLAGS = {"IncomingMessage": "complete", "ServerResponse": "finished",
              "ClientRequest": "finished"}
SAMPLE = 2000
DEPTH = 3
MIN_HITS = 5
MIN_HITS_ALONE = 20  # one snapshot: this many finished requests held is a finding
MIN_SHARE = 0.3


def http_mask(series: Series) -> np.ndarray:
    """Per class id of the last snapshot: one of Node's HTTP/socket classes."""
    mask = series.cache.get("http_mask")
    if mask is None:
        names = series.last.class_names
        mask = np.asarray([n in HTTP_CLASSES for n in names], dtype=np.bool_)
        series.cache["http_mask"] = mask
    return mask  # type: ignore[no-any-return]


def _is_true(snap: HeapSnapshot, node: int) -> bool:
    """An oddball whose printed value is `true`."""
    return any(snap.edge_name_text(e) == "0" and snap.raw_name(int(snap.edge_to[e])) == "true"
               for e in snap.edges(node))


def finished_share(snap: HeapSnapshot, nodes: np.ndarray, http_class: str) -> tuple[int, str]:
    """How many of ``nodes`` (objects of ``http_class``) say they are over (a request fully
    read, a response ended), and the flag read."""
    flag = DONE_FLAGS.get(http_class)
    if flag is None or nodes.size == 0:
        return 0, ""
    values = named_targets(snap, nodes, flag, edge_type=snap.E_PROPERTY)
    done = 0
    for value, count in zip(*np.unique(values[values >= 0], return_counts=True), strict=True):
        if _is_true(snap, int(value)):
            done += int(count)
    return done, flag


def http_hits(series: Series, c: Container) -> tuple[int, int, str]:
    """(entries reaching an HTTP object, entries looked at, what they reach): the class
    nearest to the entries, or HEADERS when only parsed request headers are kept (an object
    with the header fields Node's parser produces: host, user-agent, content-type, ...). A
    Map's keys are looked at apart from its values (a Map keyed by the request objects
    themselves), and the side with the larger share of hits counts: a sample of keys and
    values together would count each entry as two."""
    found = _hits_among(series, c, c.entries.values)
    if c.kind == "map" and c.entries.keys.size:
        by_key = _hits_among(series, c, c.entries.keys)
        if by_key[0] * max(found[1], 1) > found[0] * max(by_key[1], 1):
            found = by_key
    hits, looked, best, nodes = found
    if nodes is not None:
        series.cache[f"http_nodes:{c.node}"] = nodes
    return hits, looked, best


def _hits_among(series: Series, c: Container, values: np.ndarray,
                ) -> tuple[int, int, str, np.ndarray | None]:
    """`http_hits` over one side of the entries (a sample of at most SAMPLE of them), with
    the HTTP objects of the class found."""
    snap = series.last
    if values.size == 0:
        return 0, 0, "", None
    if values.size > SAMPLE:
        values = values[np.linspace(0, values.size - 1, SAMPLE).astype(np.int64)]
    looked = min(c.count, values.size)
    skip = (snap.T_CODE, snap.T_HIDDEN, snap.T_STRING, snap.T_CONS, snap.T_SLICED)
    if not _any_reached(series, values, skip):
        return 0, looked, "", None
    nodes, origin, steps = reach(snap, values, DEPTH, skip_types=skip, scratch=series.cache)
    hits = http_mask(series)[snap.class_id[nodes]]
    if hits.any():
        nearest = steps[hits] == steps[hits].min()
        classes = [snap.class_names[int(x)] for x in snap.class_id[nodes[hits][nearest]]]
        best = min(set(classes), key=lambda n: (-classes.count(n), PREFERENCE[n]))
        found = np.unique(nodes[hits])
        found = found[np.asarray([snap.class_names[int(x)] == best
                                  for x in snap.class_id[found]], dtype=np.bool_)]
        return min(int(np.unique(origin[hits]).size), looked), looked, best, found
    headers = _header_objects(snap, nodes)
    if headers.any():
        return min(int(np.unique(origin[headers]).size), looked), looked, HEADERS, None
    return 0, looked, "", None


def _any_reached(series: Series, values: np.ndarray, skip: tuple[int, ...]) -> bool:
    """Whether any of ``values`` reaches an HTTP object or parsed headers as `http_hits`
    walks: the walk from all of them at once, each object entered once (what each value
    reaches, walked apart, is part of it). Most collections reach neither, and this walk
    costs a fraction of the one that follows each value apart."""
    snap = series.last
    union = reach(snap, unique(values), DEPTH, skip_types=skip, scratch=series.cache,
                  together=True)[0]
    return bool(http_mask(series)[snap.class_id[union]].any()
                or _header_objects(snap, unique(union)).any())


def _header_objects(snap: HeapSnapshot, nodes: np.ndarray) -> np.ndarray:
    """Per node: a plain object with at least two HTTP header fields as properties."""
    names = string_ids(snap, *HEADER_FIELDS)
    out = np.zeros(nodes.size, dtype=np.bool_)
    objects = np.flatnonzero(snap.node_type[nodes] == snap.T_OBJECT)
    if names.size == 0 or objects.size == 0:
        return out
    edges, owner = edges_and_owners(snap, nodes[objects], cap=64)
    field = (snap.edge_type[edges] == snap.E_PROPERTY) & isin(snap.edge_name[edges], names)
    out[objects] = np.bincount(owner[field], minlength=objects.size) >= 2
    return out


def detect(series: Series) -> list[Suspect]:
    try:
        return _detect(series)
    finally:
        release_scratch(series.cache)  # the walks' stamp array: the only detector walking


def _detect(series: Series) -> list[Suspect]:
    out = []
    for c in containers(series):
        if series.is_claimed(c.node):
            continue
        if series.size >= 2 and not c.growing:
            continue
        hits, looked, http_class = http_hits(series, c)
        if hits < MIN_HITS or hits < MIN_SHARE * looked:
            continue
        if registrations.role(series, c) == "registration":
            continue  # handlers registered per request: unregistering them is the fix
        if series.size == 1 and hits < MIN_HITS_ALONE and not worth_reporting(series, c):
            continue
        snap = series.last
        share = hits / max(looked, 1)
        estimated = round(share * c.count)
        retained = int(snap.retained_size[c.node])
        severity = severity_from(c.counts[c.born:], series.size - c.born,
                                 big=is_big(series, c) or estimated >= 50, min_step=c.step)
        where = holder_label(series, c.node)
        state = ""
        if http_class == HEADERS:
            evidence = [f"{sampled_share(hits, looked, c.count)} hold parsed HTTP request headers "
                        "(objects with host, user-agent, content-type ... fields): the data of "
                        "finished requests is still referenced"]
        else:
            found = series.cache.get(f"http_nodes:{c.node}", np.zeros(0, dtype=np.int64))
            done, flag = finished_share(snap, found, http_class)
            article = "an" if http_class[0] in "AEIOU" else "a"
            evidence = [f"{sampled_share(hits, looked, c.count)} hold {article} {http_class} "
                        "(or its request, response or socket)"]
            if done >= found.size / 2:
                state = "finished "
            if done:
                sampled = "sampled " if looked < c.count else ""  # not a total: a sample's
                evidence.append(f"{done:,} of {found.size:,} {sampled}{http_class} objects have "
                                f"{flag} = true: their requests are over, yet they are still "
                                "referenced")
        if series.size > 1:
            evidence.append(counts_evidence(c.counts, "entries", int(snap.node_id[c.node])))
            evidence.append("retained: " + " -> ".join(format_size(s) for s in c.sizes))
        title = (f"{estimated:,} {state}{http_class} objects kept in {where} hold "
                 f"{SIZE_MARK}")
        if http_class == HEADERS:
            title = (f"{where} keeps the headers and payloads of {estimated:,} finished "
                     f"requests, holding {SIZE_MARK}")
            http_class = c.item_class
        advice = ("Delete the entry when the request ends (res.on('finish') and 'close'), or "
                  "store only what you need (id, timings, status) instead of req/res/socket "
                  "objects and their payloads.")
        if http_class in CONNECTION_CLASSES:  # a connection's own end, not a request's
            advice = ("Delete the entry when the connection closes (its 'close' event), or "
                      "store only what you need (id, address, counters) instead of the "
                      f"{http_class} and what it holds.")
        out.append(make_suspect(series, PATTERN, severity, title, c.node, http_class, c.counts,
                                retained, evidence, advice, c.sizes, confidence=min(1.0, share),
                                item_nodes=c.entries.values,
                                reach_from=np.asarray([c.node], dtype=np.int64)))
        series.claim(c.node)
    return out
