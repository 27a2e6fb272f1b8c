"""What the TUI writes, computed from the core without any widget: object labels, distances,
changes, heap strings, source excerpts, allocation stacks and sites. Kept apart from the
widgets so it can be tested without a terminal; it needs Rich (`Text`), not Textual. The only
TUI module that talks to `leaktui.snapshot.traces`. Paths are written by
`leaktui.snapshot.paths`, the same string everywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from leaktui.profiles.source import SourceExcerpt, read_source_lines
from leaktui.snapshot import HeapSnapshot
from leaktui.snapshot.paths import shown_distance
from leaktui.units import format_size, signed

if TYPE_CHECKING:
    from leaktui.snapshot.traces import AllocationTraces


def distance(d: int) -> str:
    """A distance as DevTools shows it: `-` when not from a user root."""
    shown = shown_distance(d)
    return "-" if shown is None else str(shown)


def signed_count(n: int) -> str:
    """A change in a count with a sign and an arrow, so growth never depends on colour."""
    return signed(n, arrow=True)


def signed_size(n: int) -> str:
    return signed(n, format_size, arrow=True)


def object_label(snap: HeapSnapshot, node: int) -> str:
    return f"{snap.class_name(node)} @{int(snap.node_id[node])}"


def fitted_label(snap: HeapSnapshot, node: int, width: int) -> Text:
    """`Class @id` in ``width`` cells: a long class name is cut, never the id."""
    ident = f" @{int(snap.node_id[node])}"
    name = snap.class_name(node)
    if len(name) + len(ident) > width:
        name = name[:max(1, width - len(ident) - 1)] + "…"
    return Text(name + ident, no_wrap=True, overflow="ellipsis")


def source_excerpt(script: str, line: int, context: int = 4,
                   column: int = 0) -> SourceExcerpt | None:
    """Lines around ``line`` of a script readable on this host, else None. ``line`` and
    ``column`` are 1-based as editors and stack traces count (a snapshot's locations are
    0-based: add one); ``column`` 0 when unknown. The one place the TUI reads sources."""
    if not script or line < 1:
        return None
    return read_source_lines(script, line, context, max(column, 0))


def string_text(snap: HeapSnapshot, node: int) -> str | None:
    t = snap.type_name(node)
    if t in ("string", "concatenated string", "sliced string"):
        return snap.name(node)
    return None


def _traces(snap: HeapSnapshot) -> AllocationTraces | None:
    from leaktui.snapshot.traces import AllocationTraces

    return AllocationTraces.of(snap)


def allocations_available(snap: HeapSnapshot) -> bool:
    """Whether the snapshot was taken with allocation tracking."""
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
        excerpt = source_excerpt(site.frame.script, site.frame.line, context=1,
                                 column=site.frame.column)
        if excerpt is not None:
            for number, line in excerpt.numbered():
                t.append(f"        {number:5} | {line[:100]}\n", style="dim")
    return t
