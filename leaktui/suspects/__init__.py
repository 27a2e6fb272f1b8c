"""Leak suspects named after the patterns that leak in Node services, ranked.

`find_suspects(snaps)` (oldest first) runs one detector per pattern on the last snapshot, using
the earlier ones for growth of the same objects (ids); a single snapshot still yields suspects
from structure alone, with lower severity. Detectors reason from graph structure and growth,
never from application names.
"""

from __future__ import annotations

import numpy as np

from leaktui.snapshot import HeapSnapshot
from leaktui.suspects import closures, collections, listeners, timers
from leaktui.suspects.base import Series, Suspect, human

PATTERNS = ("unbounded-cache", "high-cardinality-key", "per-request-retention", "listener-leak",
            "timer-leak", "closure-capture", "unbounded-queue")

__all__ = ["PATTERNS", "Suspect", "find_suspects", "format_suspect_text"]


def find_suspects(snaps: list[HeapSnapshot]) -> list[Suspect]:
    """Suspects in the last snapshot, most likely first."""
    if not snaps:
        return []
    series = Series(snaps)
    claimed: set[int] = set()
    found: list[Suspect] = []
    # Order matters: objects claimed by a specific pattern (a listener, a timer callback, a
    # capturing closure) are not reported again as items of a generic growing collection.
    for detector in (listeners.detect, timers.detect, closures.detect, collections.detect):
        found.extend(detector(series, claimed))
    for s in found:
        s.compute_score()
    found.sort(key=lambda s: -s.score)
    _name_allocation_sites(series.last, found)
    return found


def _name_allocation_sites(snap: HeapSnapshot, suspects: list[Suspect]) -> None:
    """With allocation tracking, say which functions allocated each suspect's items."""
    from leaktui.profiles.traces import AllocationTraces
    from leaktui.suspects.base import entry_targets

    if not suspects or not AllocationTraces.available(snap):
        return
    traces = AllocationTraces(snap)
    for s in suspects:
        sites = traces.sites_for_nodes(np.unique(entry_targets(snap, s.holder)), top=3)
        if sites:
            s.evidence.append("allocated by " + ", ".join(
                f"{site.frame.label} ({site.count:,} objects)" for site in sites))


def format_suspect_text(s: Suspect, markdown: bool = False) -> list[str]:
    """Lines describing one suspect for people (text or Markdown)."""
    tag = {"high": "HIGH", "medium": "MEDIUM", "low": "low"}[s.severity]
    bullet = "- " if markdown else "  "
    head = f"[{tag}] {s.pattern}: {s.title}"
    lines = [f"**{head}**" if markdown else head]
    lines.append(f"{bullet}holder: {s.holder_class} @{s.holder_id} via "
                 f"{'.'.join(s.holder_path) or '(a root)'}")
    counts = " -> ".join(f"{c:,}" for c in s.item_counts)
    lines.append(f"{bullet}items: {s.item_count:,} {s.item_class} (per snapshot: {counts})")
    if s.retains:
        lines.append(f"{bullet}keeps alive: " + ", ".join(
            f"{r['count']:,} {r['class']} ({human(float(r['retained_size']))})"  # type: ignore[arg-type]
            for r in s.retains[:4]))
    for ev in s.evidence:
        lines.append(f"{bullet}evidence: {ev}")
    lines.append(f"{bullet}fix: {s.advice}")
    return lines
