"""`leaktui report [--format json|markdown|text] [--top N] [--metrics FILE [--window D]]
[--fail-on high|medium|growing] [--find TEXT [--find-limit N]] SNAPSHOT...`"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from leaktui.errors import LeakTuiError

if TYPE_CHECKING:
    from leaktui.metrics.prometheus import PrometheusSource
    from leaktui.snapshot.lean import AnySnapshot


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
    add_prometheus_flags(parser)
    parser.add_argument("--fail-on", choices=("high", "medium", "growing"), default=None,
                        help="exit with status 1 (after printing the report) when a leak "
                             "suspect is at least this severe, or with 'growing' when the "
                             "metrics verdict is growing (or a fleet instance is): for "
                             "scripts and CI jobs")
    parser.add_argument("--find", metavar="TEXT", default=None,
                        help="search the last snapshot for objects whose class, name, string "
                             "value or property name contains TEXT (re:PATTERN for a regex); "
                             "adds \"found\" (the first matches, with their path from a GC "
                             "root) and \"found_total\"")
    parser.add_argument("--find-limit", type=int, default=None, metavar="N",
                        help="how many matches --find lists (default 20)")


def add_prometheus_flags(parser: argparse.ArgumentParser) -> None:
    """--prometheus URL and its companions (shared by `report` and `watch`)."""
    group = parser.add_argument_group("fleet (Prometheus)")
    group.add_argument("--prometheus", metavar="URL", default=None,
                       help="judge every instance's memory from this Prometheus server "
                            "(prom-client default metrics, or --metric)")
    group.add_argument("--match", metavar="SELECTOR", default=None,
                       help='label matchers choosing the instances, e.g. {job="api"}')
    group.add_argument("--metric", metavar="NAME", default=None,
                       help="judge this series instead of process_resident_memory_bytes and "
                            "the Node heap series (other exporters)")
    group.add_argument("--user", metavar="USER[:PASSWORD]", default=None,
                       help="basic auth (or LEAKTUI_PROMETHEUS_USER and "
                            "LEAKTUI_PROMETHEUS_PASSWORD)")
    group.add_argument("--bearer-token", metavar="TOKEN", default=None,
                       help="bearer token (better: LEAKTUI_PROMETHEUS_TOKEN, which other "
                            "users cannot see in the process list)")


DEFAULT_FLEET_WINDOW_S = 3600.0


def run(args: argparse.Namespace) -> int:
    if args.paths:  # the first file's arrays parsed on the idle core while the rest imports
        from leaktui.snapshot import early

        early.start(args.paths[0])
    import msgspec

    from leaktui.profiles.heapprofile import is_heap_profile
    from leaktui.report import render_text
    from leaktui.snapshot._memory import recycling

    if not args.paths and not args.metrics and not args.prometheus:
        raise LeakTuiError("report needs at least one snapshot, --metrics FILE or "
                           "--prometheus URL")
    for flag in ("match", "metric", "user", "bearer_token"):
        if getattr(args, flag) and not args.prometheus:
            raise LeakTuiError(f"--{flag.replace('_', '-')} goes with --prometheus URL")
    if args.top is not None and args.top < 1:
        raise LeakTuiError("--top takes a positive number")
    if args.find_limit is not None and args.find_limit < 1:
        raise LeakTuiError("--find-limit takes a positive number")
    if args.find is not None:
        from leaktui.snapshot.search import Query, SearchError

        try:
            Query.parse(args.find)
        except SearchError as exc:
            raise LeakTuiError(f"--find: {exc}") from None
    if args.window and not (args.metrics or args.prometheus):
        raise LeakTuiError("--window judges a metrics file or a fleet: give --metrics FILE "
                           "or --prometheus URL too")
    fleet = _fleet(args) if args.prometheus else None
    profiles = [p for p in args.paths if is_heap_profile(p)]
    if args.find is not None and len(profiles) == len(args.paths):
        raise LeakTuiError("--find searches a heap snapshot: give one")
    paths = [p for p in args.paths if p not in profiles]
    # The big temporaries' pages handed on from the load to the duplicated strings.
    with recycling():
        report = _snapshots_report(args, paths, profiles)
    from leaktui.pins import PinStore

    pins = [pin for p in args.paths if p not in profiles for pin in PinStore(p).pins]
    if pins:
        report["pins"] = [msgspec.to_builtins(pin) for pin in pins]
    if fleet is not None:
        report["fleet"] = fleet
    if args.format == "json":
        sys.stdout.write(msgspec.json.encode(report).decode() + "\n")
    elif fleet is not None and not (report["snapshots"] or profiles or report["metrics"]):
        from leaktui.metrics.fleet import fleet_lines

        sys.stdout.write("\n".join(fleet_lines(fleet, args.format == "markdown")) + "\n")
    else:
        text = render_text(report, markdown=args.format == "markdown")
        if fleet is not None:
            from leaktui.metrics.fleet import fleet_lines

            text += "\n" + "\n".join(fleet_lines(fleet, args.format == "markdown")) + "\n"
        sys.stdout.write(text)
    return 1 if failing(report, args.fail_on) else 0


def _snapshots_report(args: argparse.Namespace, paths: list[str],
                      profiles: list[str]) -> dict:  # type: ignore[type-arg]
    """The report of the snapshots, profiles and metrics file given (without pins and
    fleet)."""
    from leaktui.profiles.heapprofile import load_profile
    from leaktui.profiles.report import profile_allocations, snapshot_allocations
    from leaktui.report import COMPUTE, StatusLine, build_report
    from leaktui.series import OpenedSeries, load_series

    status = StatusLine(sys.stderr if sys.stderr.isatty() else None)
    try:
        # The comparison (and on a small heap the duplicated strings) is taken on a second
        # thread while the suspects are looked for.
        series = (load_series(paths, status, lean=True,
                              alongside=lambda snaps, one: _alongside(snaps, one, args.top))
                  if paths else OpenedSeries([], [], [], alongside=(COMPUTE, COMPUTE)))
    finally:  # erased also when a file is refused: its one-line error starts a clean line
        status.clear()
    snaps = series.snaps
    warnings = list(series.warnings)
    if series.suspects_error:
        warnings.append(series.suspects_error)
    suspects = [s.to_json() for s in series.suspects]
    metrics = _metrics(args.metrics, args.window) if args.metrics else None
    allocations = None
    if profiles:
        allocations = profile_allocations(load_profile(profiles[-1]), args.top or 50)
    elif snaps:
        allocations = snapshot_allocations(series.last, args.top or 50)
    return build_report(snaps, top=args.top, suspects=suspects, metrics=metrics,
                          allocations=allocations, find=args.find, find_limit=args.find_limit,
                          warnings=warnings, one_process=series.one_process,
                          diff=series.alongside[0], duplicates=series.alongside[1])


def _alongside(snaps: list[AnySnapshot], one_process: bool,
               top: int | None) -> tuple[object, object]:
    """What the report reads of the series besides the suspects, on a second thread while
    they are looked for: the comparison and, on a heap small enough to have memory to spare
    (the pipeline's small schedule; on a big one they would add to the suspects' peak), the
    last snapshot's duplicated strings (each `COMPUTE` when left to `build_report`)."""
    from leaktui.report import COMPUTE, diff_entry, newest
    from leaktui.report_strings import duplicate_strings_entry
    from leaktui.snapshot.pipeline import DOMINATORS_BESIDE_NODES

    last = newest(snaps)
    return (diff_entry(snaps, top, one_process),
            duplicate_strings_entry(last, top) if last.node_count < DOMINATORS_BESIDE_NODES
            else COMPUTE)


SEVERITIES = ("low", "medium", "high")


def failing(report: dict, fail_on: str | None) -> bool:  # type: ignore[type-arg]
    """Whether the report trips ``--fail-on``: a suspect at least that severe, or a growing
    metrics verdict."""
    if fail_on is None:
        return False
    if fail_on == "growing":
        fleet = report.get("fleet") or {}
        return (bool(report.get("metrics")) and report["metrics"].get("verdict") == "growing") \
            or any(i["verdict"] == "growing" for i in fleet.get("instances", []))
    floor = SEVERITIES.index(fail_on)
    return any(SEVERITIES.index(s["severity"]) >= floor for s in report.get("suspects") or [])


def _metrics(path: str, window: str | None) -> dict:  # type: ignore[type-arg]
    from leaktui.metrics.report import metrics_report
    from leaktui.metrics.trend import parse_window

    return metrics_report(path, window_s=parse_window(window) if window else None)


def prometheus_source(args: argparse.Namespace,
                      default_window_s: float = DEFAULT_FLEET_WINDOW_S) -> PrometheusSource:
    """The PrometheusSource the flags describe (credentials from flags or environment)."""
    from leaktui.metrics.http import credentials
    from leaktui.metrics.prometheus import PrometheusSource
    from leaktui.metrics.trend import parse_window

    window_s = parse_window(args.window) if args.window else default_window_s
    return PrometheusSource(args.prometheus, args.match, window_s,
                            credentials(args.user, args.bearer_token), args.metric)


def _fleet(args: argparse.Namespace) -> dict:  # type: ignore[type-arg]
    from leaktui.metrics.fleet import fetch_fleet, fleet_json

    return fleet_json(fetch_fleet(prometheus_source(args)), args.metric)
