"""Allocation stacks and sites of snapshots taken with allocation tracking, as the TUI shows
them. The only TUI module that talks to `leaktui.snapshot.traces`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from leaktui.snapshot import HeapSnapshot
from leaktui.tui import model
from leaktui.units import format_size

if TYPE_CHECKING:
    from leaktui.snapshot.traces import AllocationTraces


def _traces(snap: HeapSnapshot) -> AllocationTraces | None:
    from leaktui.snapshot.traces import AllocationTraces

    return AllocationTraces.of(snap)


def available(snap: HeapSnapshot) -> bool:
    from leaktui.snapshot.traces import AllocationTraces

    return AllocationTraces.available(snap)


def stack_labels(snap: HeapSnapshot, node: int, limit: int = 12) -> list[str]:
    """Where ``node`` was allocated, innermost frame first ([] without tracking)."""
    traces = _traces(snap)
    if traces is None:
        return []
    return [f.label for f in traces.stack(node)[:limit]]


def sites_text(snap: HeapSnapshot, class_id: int, top: int = 20) -> Text:
    """A class's live objects grouped by the function that allocated them."""
    traces = _traces(snap)
    t = Text()
    t.append(f"{snap.class_names[class_id]}: objects by allocation site\n\n", style="bold")
    if traces is None:
        t.append("no allocation stacks in this snapshot\n")
        return t
    sites = traces.sites_for_nodes(snap.class_members(class_id), top=top)
    for site in sites:
        size = int(getattr(site, "self_size", getattr(site, "size", 0)) or 0)
        count = f"{site.count:>9,}" if site.count is not None else " " * 9
        t.append(f"  {count}  {format_size(size):>9}  ", style="bold")
        t.append(site.frame.label + "\n")
        excerpt = model.source_excerpt(site.frame.script, site.frame.line - 1, context=1,
                                       column=site.frame.column - 1)
        if excerpt is not None:
            for number, line in excerpt.numbered():
                t.append(f"        {number:5} | {line[:100]}\n", style="dim")
    return t
