"""What the TUI shows, computed from the core without any widget: formatting, object details,
source excerpts. Kept apart from the widgets so it can be tested without a terminal."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from leaktui.profiles.source import SourceExcerpt, read_source_lines
from leaktui.snapshot import BASE_SYSTEM_DISTANCE, HeapSnapshot
from leaktui.units import format_size


def distance(d: int) -> str:
    return str(d) if 0 <= d < BASE_SYSTEM_DISTANCE else "-"


def signed(n: int, fmt: Callable[[int], str] = "{:,}".format) -> str:
    """A change with a sign and an arrow, so growth never depends on colour."""
    if n > 0:
        return f"▲ +{fmt(n)}"
    if n < 0:
        return f"▼ {fmt(n)}"
    return fmt(0)


def signed_size(n: int) -> str:
    return signed(n, format_size)


def object_label(snap: HeapSnapshot, node: int) -> str:
    return f"{snap.class_name(node)} @{int(snap.node_id[node])}"


def fitted_label(snap: HeapSnapshot, node: int, width: int) -> Text:
    """`Class @id` in ``width`` cells: a long class name is cut, never the id."""
    ident = f" @{int(snap.node_id[node])}"
    name = snap.class_name(node)
    if len(name) + len(ident) > width:
        name = name[:max(1, width - len(ident) - 1)] + "…"
    return Text(name + ident, no_wrap=True, overflow="ellipsis")


def read_source(script: str, line: int, context: int = 4) -> SourceExcerpt | None:
    """Lines around ``line`` (1-based) of a script readable on this host, else None."""
    return read_source_lines(script, line, context)


def source_excerpt(script: str, line: int, context: int = 4,
                   column: int = -1) -> SourceExcerpt | None:
    """Lines around ``line`` (0-based, as snapshots and V8 count; so is ``column``) of a
    script readable on this host, else None. The one place the TUI reads sources."""
    if not script or line < 0:
        return None
    return read_source_lines(script, line + 1, context, column + 1)


def string_text(snap: HeapSnapshot, node: int) -> str | None:
    t = snap.type_name(node)
    if t in ("string", "concatenated string", "sliced string"):
        return snap.name(node)
    return None


def path_to_root_text(snap: HeapSnapshot, node: int) -> str:
    """The retainer path as one line: `global.app.cache.table[12] -> Session @123`."""
    edges = snap.path_to_root(node)
    if not edges:
        if 0 <= int(snap.distance[node]) <= 1:
            return f"{object_label(snap, node)} (a GC root's direct child)"
        return f"{object_label(snap, node)} (held only by the engine or unreachable)"
    parts = [snap.class_name(snap.edge_source(edges[0]))]
    for e in edges:
        parts.append(snap.edge_label(e))
    return "".join(parts) + f" -> {object_label(snap, node)}"
