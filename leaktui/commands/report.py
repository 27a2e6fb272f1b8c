"""`leaktui report [--format json|markdown|text] [--top N] [--metrics FILE [--window D]]
[--fail-on high|medium|growing] SNAPSHOT...`"""

from __future__ import annotations

import argparse
import sys

from leaktui.errors import LeakTuiError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="SNAPSHOT",
                        help="heap snapshots (plain or gzipped), oldest first, and/or a "
                             ".heapprofile (sampling heap profile)")
    parser.add_argument("--format", choices=("json", "markdown", "text"), default="text",
                        help="output format (default: text)")
    parser.add_argument("--top", type=int, default=None, metavar="N",
                        help="only the N classes with the largest retained size")
    parser.add_argument("--metrics", metavar="FILE", default=None,
                        help="a metrics file (JSON Lines or CSV) to summarise")
    parser.add_argument("--window", metavar="DURATION", default=None,
                        help="judge the metrics trend on the last DURATION (e.g. 15m, 2h)")
    parser.add_argument("--fail-on", choices=("high", "medium", "growing"), default=None,
                        help="exit with status 1 (after printing the report) when a leak "
                             "suspect is at least this severe, or with 'growing' when the "
                             "metrics verdict is growing: for scripts and CI jobs")


def run(args: argparse.Namespace) -> int:
    import msgspec

    from leaktui.profiles.heapprofile import is_heap_profile, load_profile
    from leaktui.profiles.report import profile_allocations, snapshot_allocations
    from leaktui.report import build_report, load_all, render_text

    if not args.paths and not args.metrics:
        raise LeakTuiError("report needs at least one snapshot or --metrics FILE")
    if args.top is not None and args.top < 1:
        raise LeakTuiError("--top takes a positive number")
    if args.window and not args.metrics:
        raise LeakTuiError("--window judges a metrics file: give --metrics FILE too")
    profiles = [p for p in args.paths if is_heap_profile(p)]
    from leaktui.snapshot.series import order_series

    warnings: list[str] = []
    snaps = load_all([p for p in args.paths if p not in profiles],
                     progress=sys.stderr if sys.stderr.isatty() else None, left_out=warnings)
    series = order_series(snaps)
    snaps = series.snaps
    warnings += series.warnings
    suspects = _suspects(snaps if series.one_process else snaps[-1:])
    metrics = _metrics(args.metrics, args.window) if args.metrics else None
    allocations = None
    if profiles:
        allocations = profile_allocations(load_profile(profiles[-1]), args.top or 50)
    elif snaps:
        allocations = snapshot_allocations(snaps[-1], args.top or 50)
    report = build_report(snaps, top=args.top, suspects=suspects, metrics=metrics,
                          allocations=allocations, warnings=warnings,
                          one_process=series.one_process)
    from leaktui.pins import PinStore

    pins = [pin for p in args.paths if p not in profiles for pin in PinStore(p).pins]
    if pins:
        report["pins"] = [msgspec.to_builtins(pin) for pin in pins]
    if args.format == "json":
        sys.stdout.write(msgspec.json.encode(report).decode() + "\n")
    else:
        sys.stdout.write(render_text(report, markdown=args.format == "markdown"))
    return 1 if failing(report, args.fail_on) else 0


SEVERITIES = ("low", "medium", "high")


def failing(report: dict, fail_on: str | None) -> bool:  # type: ignore[type-arg]
    """Whether the report trips ``--fail-on``: a suspect at least that severe, or a growing
    metrics verdict."""
    if fail_on is None:
        return False
    if fail_on == "growing":
        return bool(report.get("metrics")) and report["metrics"].get("verdict") == "growing"
    floor = SEVERITIES.index(fail_on)
    return any(SEVERITIES.index(s["severity"]) >= floor for s in report.get("suspects") or [])


def _suspects(snaps: list) -> list[dict]:  # type: ignore[type-arg]
    if not snaps:
        return []
    from leaktui.suspects import find_suspects

    return [s.to_json() for s in find_suspects(snaps)]


def _metrics(path: str, window: str | None) -> dict:  # type: ignore[type-arg]
    from leaktui.metrics.limits import parse_window
    from leaktui.metrics.report import metrics_report

    return metrics_report(path, window_s=parse_window(window) if window else None)
