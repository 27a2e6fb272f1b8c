"""The headless report: one JSON object (the contract other work builds on), or the same
content as Markdown or plain text for people."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, TextIO

from leaktui.snapshot import HeapSnapshot
from leaktui.snapshot.diff import compare
from leaktui.snapshot.growth import growing_holders, holder_text, survivors
from leaktui.snapshot.lean import AnySnapshot
from leaktui.snapshot.paths import shown_distance
from leaktui.text import text_table
from leaktui.units import format_rate, format_size, signed

REPORT_FORMAT = "leaktui-report/1"
COMPUTE = object()
"""`build_report`'s ``diff`` when the caller has not taken it (`diff_entry`) already."""



def newest(snaps: Sequence[AnySnapshot]) -> HeapSnapshot:
    """The last snapshot of a series: read through its graph, it is never lean."""
    last = snaps[-1]
    if not isinstance(last, HeapSnapshot):
        raise TypeError("the last snapshot of a report cannot be lean")
    return last


def snapshot_entry(snap: AnySnapshot, top: int | None) -> dict[str, Any]:
    rows = snap.summary() if top is None else snap.summary()[:top]
    return {
        "path": snap.path,
        "node_count": snap.node_count,
        "edge_count": snap.edge_count,
        "total_size": snap.total_size,
        "statistics": snap.statistics.as_dict(),
        "classes": [{"name": r.name, "key": r.key, "count": r.count, "self_size": r.self_size,
                     "retained_size": r.retained_size, "distance": shown_distance(r.distance)}
                    for r in rows],
    }


def diff_entry(snaps: Sequence[AnySnapshot], top: int | None,
               one_process: bool = True) -> dict[str, Any] | None:
    """DevTools' Comparison of the first and last snapshot; survivors and growing holders
    only for snapshots of one process (they follow objects by id)."""
    if len(snaps) < 2:
        return None
    rows = compare(snaps[0], newest(snaps))
    if top is not None:
        rows = rows[:top]
    return {
        "base": 0,
        "target": len(snaps) - 1,
        "classes": [r.to_json() for r in rows],
        "survivors": [g.to_json() for g in survivors(snaps)] if one_process else [],
        "growing": [h.to_json() for h in growing_holders(snaps)] if one_process else [],
    }


def build_report(snaps: Sequence[AnySnapshot], top: int | None = None,
                 suspects: list[dict[str, Any]] | None = None,
                 metrics: dict[str, Any] | None = None,
                 allocations: dict[str, Any] | None = None,
                 find: str | None = None, find_limit: int | None = None,
                 warnings: list[str] | None = None, one_process: bool = True,
                 diff: object = COMPUTE, duplicates: object = COMPUTE) -> dict[str, Any]:
    """The report of ``snaps`` (oldest first; all but the last may be lean); ``warnings`` say
    what the user must know about the series (files left out, reordered, not of one
    process); ``diff`` is `diff_entry(snaps, top, one_process)` and ``duplicates``
    `duplicate_strings_entry(newest(snaps), top)` when the caller took them already (beside
    the suspects: `series.load_series`' ``alongside``)."""
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "warnings": list(warnings or []),
        "snapshots": [snapshot_entry(s, top) for s in snaps],
        "diff": diff_entry(snaps, top, one_process) if diff is COMPUTE else diff,
        "suspects": suspects or [],
        "metrics": metrics,
    }
    if allocations is not None:
        report["allocations"] = allocations
    if snaps:  # the last snapshot's duplicated strings and, with --find, the matching objects
        from leaktui.report_strings import duplicate_strings_entry, found_entry

        report["duplicate_strings"] = (duplicate_strings_entry(newest(snaps), top)
                                       if duplicates is COMPUTE else duplicates)
        if find is not None:
            report["found_query"] = find
            report["found"], report["found_total"] = found_entry(newest(snaps), find, find_limit)
    return report




DETAILED_SUSPECTS = 5  # in full (holder, items, evidence, fix); the rest one line each
MAX_SUSPECTS = 15


def render_text(report: dict[str, Any], markdown: bool = False) -> str:
    """People's version of the report: a short summary first, details after."""
    out: list[str] = []
    h1 = "# " if markdown else ""
    h2 = "## " if markdown else ""
    snaps = report["snapshots"]
    out.append(f"{h1}leaktui report: {len(snaps)} snapshot(s)")
    out.append("")
    warnings = report.get("warnings") or []
    if warnings:
        out.append(f"{h2}Warnings")
        out.extend(f"- {w}" for w in warnings)
        out.append("")
    pins = report.get("pins") or []
    if pins:
        from leaktui.pins import Pin, pins_markdown

        out.append(f"{h2}Pinned findings")
        out.append(pins_markdown([Pin(**p) for p in pins]))
        out.append("")
    suspects = report.get("suspects") or []
    if suspects:
        from leaktui.suspects import format_suspect_text

        out.append(f"{h2}Leak suspects (most likely first)")
        for s in suspects[:DETAILED_SUSPECTS]:
            out.extend(format_suspect_text(s, markdown=markdown))
            out.append("")
        if len(suspects) > DETAILED_SUSPECTS:
            out.append(f"{len(suspects) - DETAILED_SUSPECTS} more, less likely:")
            for s in suspects[DETAILED_SUSPECTS:MAX_SUSPECTS]:
                out.append(f"- [{s['severity']}] {s['pattern']}: {s['title']}")
            out.append("")
    diff = report.get("diff")
    if diff:
        out.append(f"{h2}Growth (snapshot {diff['base'] + 1} -> {diff['target'] + 1})")
        rows = [r for r in diff["classes"] if not r.get("noise")][:15]
        out.extend(text_table(["class", "new", "deleted", "delta", "size delta"],
                          [[r["name"][:60], f"{r['new']:,}", f"{r['deleted']:,}",
                            signed(r["delta"]), format_size(r["size_delta"])] for r in rows],
                          markdown))
        if diff["growing"]:
            out.append("")
            out.append(f"{h2}Growing holders")
            for g in diff["growing"][:10]:
                counts = " -> ".join(str(c) for c in g["counts"])
                out.append(f"- {holder_text(g['class'], g['id'], g['path_text'])}: "
                           f"entries {counts}, retained "
                           f"{' -> '.join(format_size(x) for x in g['retained_sizes'])}")
        if diff["survivors"]:
            out.append("")
            out.append(f"{h2}Survivors (born between snapshots 1 and 2, alive in the last)")
            for g in diff["survivors"][:10]:
                holder = g["holder"]
                out.append(f"- {g['count']:,} {g['class']} ({format_size(g['size'])}) held by "
                           + holder_text(holder["class"], holder["id"], holder["path_text"]))
        out.append("")
    allocations = report.get("allocations")
    if allocations:
        out.append(f"{h2}Allocation sites ({allocations['source']}: {allocations['path']})")
        out.extend(text_table(["function", "script:line", "self", "total"],
                          [[a["function"] or "(anonymous)", f"{a['script']}:{a['line']}",
                            format_size(a["self_size"]), format_size(a["total_size"])]
                           for a in allocations["sites"][:15]], markdown))
        out.append("")
    from leaktui.report_strings import render_duplicates, render_found

    out.extend(render_found(report, markdown, h2))
    out.extend(render_duplicates(report, markdown, h2))
    metrics = report.get("metrics")
    if metrics:
        out.append(f"{h2}Live memory ({metrics.get('path')})")
        out.append(f"verdict: {metrics.get('verdict')}, {metrics.get('samples')} samples")
        for name, series in (metrics.get("series") or {}).items():
            rate = format_rate(series.get("slope_bytes_per_hour", 0.0))
            out.append(f"- {name}: last {format_size(series['last'])}, "
                       f"min {format_size(series['min'])}, max {format_size(series['max'])}, "
                       f"{rate}{' (rising)' if series.get('rising') else ''}")
        out.append("")
    for s in snaps:
        out.append(f"{h2}{s['path']}")
        out.append(f"{s['node_count']:,} nodes, {s['edge_count']:,} edges, total "
                   f"{format_size(s['total_size'])}")
        rows = s["classes"][:20]
        total = max(s["total_size"], 1)
        out.extend(text_table(["class", "count", "shallow", "retained", "%", "distance"],
                          [[r["name"][:60], f"{r['count']:,}", format_size(r["self_size"]),
                            format_size(r["retained_size"]),
                            f"{100 * r['retained_size'] / total:.1f}",
                            "-" if r["distance"] is None else str(r["distance"])]
                           for r in rows], markdown))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


STATUS_WIDTH = 79  # the status line fits an 80-column terminal


class StatusLine:
    """`series.load_series`'s progress on a terminal: one self-overwriting line per phase,
    erased by `clear`, so a minute-long load of big files is not silent."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream

    def __call__(self, index: int, count: int, path: str, phase: str, fraction: float) -> None:
        if self.stream is None:
            return
        line = f"leaktui: {os.path.basename(path)} ({index + 1}/{count}): {phase} {fraction:4.0%}"
        self.stream.write("\r" + line[:STATUS_WIDTH].ljust(STATUS_WIDTH))
        self.stream.flush()

    def clear(self) -> None:
        if self.stream is not None:
            self.stream.write("\r" + " " * STATUS_WIDTH + "\r")
            self.stream.flush()


def load_all(paths: list[str], progress: TextIO | None = None,
             left_out: list[str] | None = None) -> list[HeapSnapshot]:
    """Load every snapshot (in the order given, no suspects: `series.load_series` opens a
    whole series); with ``progress`` (a terminal), a `StatusLine` on it. With ``left_out``, a
    file that cannot be used is left out and named there (an error only when no file can be
    used); without it, the first such file is the error."""
    from leaktui.series import load_files

    status = StatusLine(progress)
    try:
        snaps, warnings = load_files(
            paths, lambda i, path, phase, fraction: status(i, len(paths), path, phase, fraction),
            keep_going=left_out is not None)
    finally:  # erased also when a file is refused: its one-line error starts a clean line
        status.clear()
    if left_out is not None:
        left_out.extend(warnings)
    return snaps
