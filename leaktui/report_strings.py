"""The report's string sections: duplicated strings and `--find TEXT` (search the heap).

Both are about the last snapshot given. Strings are user data: the JSON holds them as they are;
text and Markdown show them on one line, control characters escaped, cut to a width, and
Markdown's table and emphasis characters escaped.
"""

from __future__ import annotations

import re
from typing import Any

from leaktui.snapshot import HeapSnapshot
from leaktui.snapshot.duplicates import find_duplicate_strings
from leaktui.snapshot.paths import path_text
from leaktui.snapshot.search import HeapSearch
from leaktui.text import one_line
from leaktui.units import format_size

DEFAULT_DUPLICATES = 20
DEFAULT_FOUND = 20
NAME_WIDTH = 200  # a found object's name in the JSON (a string's value can be long)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def json_safe(text: str) -> str:
    """``text`` encodable as UTF-8 JSON: a lone UTF-16 surrogate (V8 cuts long strings at
    1024 code units, sometimes inside a pair) becomes U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def duplicate_strings_entry(snap: HeapSnapshot, top: int | None) -> list[dict[str, Any]]:
    """DevTools' duplicated-string groups, largest retained size first (the first ``top``)."""
    found = find_duplicate_strings(snap)
    rows = [g.to_json() for g in found.top(top or DEFAULT_DUPLICATES)]
    for row in rows:
        row["value"] = json_safe(str(row["value"]))
    return rows


def found_entry(snap: HeapSnapshot, text: str, limit: int | None,
                search: HeapSearch | None = None) -> tuple[list[dict[str, Any]], int]:
    """(the first ``limit`` objects matching ``text``, the number of matches)."""
    result = (search or HeapSearch(snap)).find(text)
    rows = []
    for obj in result.page(0, limit or DEFAULT_FOUND):
        row = obj.to_json([json_safe(p) for p in snap.path_names(obj.node)])
        row["path_text"] = json_safe(path_text(snap, obj.node))
        row["name"] = json_safe(_cut(obj.name, NAME_WIDTH))
        row["class"] = json_safe(obj.class_name)
        rows.append(row)
    return rows, result.total


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>()#+-!|~"})
_MARKDOWN_IN_TABLE = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>()#+-!~"})


def markdown_text(text: str, width: int, table: bool = False) -> str:
    """A user string in Markdown: one line, cut, and inert (no emphasis, links, HTML or
    column breaks). In a table cell the report's table escapes `|` itself."""
    return one_line(text, width).translate(_MARKDOWN_IN_TABLE if table else _MARKDOWN_SPECIAL)


def render_duplicates(report: dict[str, Any], markdown: bool, h2: str) -> list[str]:
    groups = report.get("duplicate_strings") or []
    if not groups:
        return []
    from leaktui.text import text_table

    def show(v: str) -> str:
        return markdown_text(v, 50, table=True) if markdown else repr_text(v, 50)

    out = [f"{h2}Duplicated strings (last snapshot; count, size, wasted = size minus one copy)"]
    out.extend(text_table(["string", "count", "size", "wasted"],
                      [[show(g["value"]), f"{g['count']:,}", format_size(g["size"]),
                        format_size(g["wasted"])] for g in groups[:15]], markdown))
    out.append("")
    return out


def repr_text(text: str, width: int) -> str:
    return '"' + one_line(text, width - 2) + '"'


def render_found(report: dict[str, Any], markdown: bool, h2: str) -> list[str]:
    if "found" not in report:
        return []
    rows = report["found"]
    query = report.get("found_query", "")
    shown = markdown_text(query, 80) if markdown else repr_text(query, 80)
    out = [f"{h2}Found {shown}: {report.get('found_total', len(rows)):,} object(s)"
           + (f", the first {len(rows)}" if report.get("found_total", 0) > len(rows) else "")]
    for r in rows:
        name = markdown_text(r["name"], 60) if markdown else repr_text(r["name"], 60)
        cls = markdown_text(r["class"], 40) if markdown else r["class"]
        path = r.get("path_text") or ".".join(r["path"]) or "?"
        path = markdown_text(path, 120) if markdown else one_line(path, 120)
        out.append(f"- {cls} @{r['id']} {name} ({'/'.join(r['match'])}), retained "
                   f"{format_size(r['retained_size'])}, via {path}")
    out.append("")
    return out
