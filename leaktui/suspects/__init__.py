"""Leak suspects named after the patterns that leak in Node services, ranked.

`find_suspects(snaps)` (oldest first) runs one detector per pattern on the last snapshot, using
the earlier ones for growth of the same objects (ids); a single snapshot still yields suspects
from structure alone, with lower severity. Detectors reason from graph structure (Node's own
classes and edges: `_events`, `_onTimeout`, `table`, contexts) and growth, never from what the
application calls its objects.

Detectors run from the most specific pattern to the most generic: an object explained by one
(a listener array, a timer's callback, a Map of requests) is not reported again by a later one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from leaktui.snapshot import HeapSnapshot, pipeline
from leaktui.snapshot._threads import Beside
from leaktui.snapshot.growth import ELEMENT_COUNTS, element_counts
from leaktui.snapshot.lean import AnySnapshot
from leaktui.snapshot.pipeline import DOMINATORS_BESIDE_NODES
from leaktui.suspects import (
    closure_capture,
    grown,
    high_cardinality_key,
    linked_list,
    listener_leak,
    per_request_retention,
    registrations,
    timer_leak,
    unbounded_cache,
    unbounded_queue,
)
from leaktui.suspects.base import Series, Suspect, with_retains
from leaktui.units import format_size

PATTERNS = ("unbounded-cache", "high-cardinality-key", "per-request-retention", "listener-leak",
            "timer-leak", "closure-capture", "unbounded-queue")

DETECTORS: tuple[Callable[[Series], list[Suspect]], ...] = (
    listener_leak.detect,
    timer_leak.detect,
    per_request_retention.detect,
    linked_list.detect,
    closure_capture.detect,
    registrations.detect,
    high_cardinality_key.detect,
    unbounded_queue.detect,
    unbounded_cache.detect,
)

MAX_NESTING = 64  # dominator steps looked up from a holder for an enclosing suspect

__all__ = ["PATTERNS", "Suspect", "find_suspects", "format_suspect_text"]


def find_suspects(snaps: Sequence[AnySnapshot]) -> list[Suspect]:
    """Suspects in the last snapshot, most likely first (the older ones may be lean)."""
    if not snaps:
        return []
    series = Series(snaps)
    found: list[Suspect] = []
    links = Beside(_found_beside, series.last, name="leaktui-suspects")
    try:
        for detect in DETECTORS:
            if detect is linked_list.detect:
                links.result()  # kept in the snapshot's cache, where the detector finds it
            found.extend(detect(series))
    finally:
        links.wait()
    if series.size == 1:
        # The collections' element counts (4 bytes a node) are read again only for a
        # series (growing holders): let go, they would add to the peaks of the grown sizes
        # and of the report's duplicated strings (55 MiB on a 1 GB snapshot).
        series.last.forget(ELEMENT_COUNTS)
    found = grown.measure(series, _outermost(series.last, found))
    found = with_retains(series.last, found)
    found = [s.scored(series.heap_size) for s in found]
    # equal scores: by the holder's path, not by its id (V8 numbers objects in the order it
    # meets them in the heap, which changes between runs)
    found.sort(key=lambda s: (-s.score, s.holder_path_text, s.holder_id))
    return _with_allocation_sites(series.last, grown.index_shared(found))


def _found_beside(snap: HeapSnapshot) -> None:
    """What later detectors read of the last snapshot and no detector's claim changes, found
    on a second thread while the first detectors run (compiled loops and numpy sorts release
    the GIL), kept in the snapshot's cache: its linked structures (a pass over every edge, then
    sorts: the detectors' largest single cost on a big heap) and, on a heap small enough to
    have memory to spare (the pipeline's small schedule; a big one would hold them through the
    first detectors' peaks), its collections' element counts and its closures' scopes. On a
    small heap the pipeline's passes (`_structure_passes`) found the first two already, or
    are finding them: waited for, not found twice."""
    snap.finish_passes()
    linked_list.chains(snap, linked_list.MIN_CHAIN)
    if snap.node_count < DOMINATORS_BESIDE_NODES:
        element_counts(snap)
        closure_capture.scopes(snap)


def _structure_passes(snap: HeapSnapshot) -> None:
    """What `_found_beside` finds that needs only the graph and its classes, found on a small
    heap from the moment its classes are done, while its dominators are computed and then
    while the loading thread computes the aggregates (`pipeline.AFTER_CLASSES`). The element
    counts first: the first detectors read them (the collections)."""
    element_counts(snap)
    linked_list.chains(snap, linked_list.MIN_CHAIN)


pipeline.AFTER_CLASSES.append(_structure_passes)


def _outermost(snap: HeapSnapshot, suspects: list[Suspect]) -> list[Suspect]:
    """Drop a suspect whose holder lives inside another suspect's holder (the arrays inside a
    growing cache's entries): the outer one explains it, unless the inner one is more
    severe."""
    rank = {"low": 0, "medium": 1, "high": 2}
    holders = {s.holder: s for s in suspects}
    kept = []
    for s in suspects:
        outer = None
        node = int(snap.dominator[s.holder])
        for _ in range(MAX_NESTING):
            if node == snap.root:
                break
            if node in holders and holders[node] is not s:
                outer = holders[node]
                break
            node = int(snap.dominator[node])
        if outer is None or rank[s.severity] > rank[outer.severity]:
            kept.append(s)
    return kept


def _with_allocation_sites(snap: HeapSnapshot, suspects: list[Suspect]) -> list[Suspect]:
    """With allocation tracking, say which functions allocated each suspect's items."""
    from leaktui.profiles.traces import AllocationTraces

    traces = AllocationTraces.of(snap) if suspects else None
    if traces is None:
        return suspects
    out = []
    for s in suspects:
        sites = traces.sites_for_nodes(np.unique(s.item_nodes), top=3)
        if sites:
            s = replace(s, evidence=s.evidence + ["allocated by " + ", ".join(
                f"{site.frame.label} ({_amount(site.count, site.self_size)})"
                for site in sites)])
        out.append(s)
    return out


def _amount(count: int | None, size: int) -> str:
    return f"{count:,} objects" if count is not None else format_size(float(size))


def format_suspect_text(s: Suspect | Mapping[str, Any], markdown: bool = False) -> list[str]:
    """Lines describing one suspect for people (text or Markdown), from the suspect or its
    JSON form (what the report holds)."""
    d: Mapping[str, Any] = s.to_json() if isinstance(s, Suspect) else s
    tag = {"high": "HIGH", "medium": "MEDIUM", "low": "low"}[d["severity"]]
    bullet = "- " if markdown else "  "
    head = f"[{tag}] {d['pattern']}: {d['title']}"
    lines = [f"**{head}**" if markdown else head]
    holder, items = d["holder"], d["items"]
    path = holder.get("path_text") or ".".join(holder["path"]) or "(a root)"
    lines.append(f"{bullet}holder: {holder['class']} @{holder['id']} via "
                 + (f"`{path}`" if markdown else path))
    counts = " -> ".join(f"{c:,}" for c in items["counts"])
    lines.append(f"{bullet}items: {items['count']:,} {items['class']} (per snapshot: {counts})")
    grown = d.get("grown_size")
    if grown is not None:
        shared = d.get("shared_with") or []
        also = (" (also reached by suspect " + ", ".join(f"#{i + 1}" for i in shared) + ")"
                if shared else "")
        lines.append(f"{bullet}size: {format_size(float(grown))} reachable from its items "
                     f"(new since the first snapshot in a series){also}; "
                     f"{format_size(float(d['retained_size']))} retained by the holder alone")
    if d["retains"]:
        lines.append(f"{bullet}keeps alive: " + ", ".join(
            f"{r['count']:,} {r['class']} ({format_size(float(r['retained_size']))})"
            for r in d["retains"][:4]))
    for ev in d["evidence"]:
        lines.append(f"{bullet}evidence: {ev}")
    lines.append(f"{bullet}fix: {d['advice']}")
    return lines
