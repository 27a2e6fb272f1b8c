"""`leaktui watch METRICS [--poll] [--limit SIZE] [--window DURATION] [--plain | --once]`,
`leaktui watch --pid PID` or `leaktui watch http://HOST:PORT/metrics`: live memory in the TUI,
or one status line per update. `leaktui watch --prometheus URL [--match SELECTOR]`: the fleet
view, every instance Prometheus knows."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from leaktui.errors import LeakTuiError

if TYPE_CHECKING:
    from leaktui.metrics.prometheus import PrometheusSource
    from leaktui.metrics.scrape import Endpoint

PLAIN_EVERY_S = 1.0  # at most one status line per second in --plain mode


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", metavar="METRICS",
                        help="a JSON Lines or CSV file the service appends samples to "
                             "(it may not exist yet), or a service's http(s)://…/metrics "
                             "endpoint (Prometheus text format) to scrape every --interval")
    parser.add_argument("--pid", type=int, help="sample this process's RSS from /proc "
                                                "every second instead (Linux)")
    parser.add_argument("--poll", action="store_true",
                        help="poll the file instead of waiting for change events "
                             "(network mounts, containers)")
    parser.add_argument("--limit", metavar="SIZE",
                        help="memory limit, e.g. 2G (decimal: 2·10^9 bytes; 2GiB for 2·1024^3): "
                             "how long until rss reaches it")
    parser.add_argument("--window", metavar="DURATION",
                        help="judge only the last DURATION (e.g. 15m, 2h); default all")
    parser.add_argument("--interval", metavar="DURATION", default=None,
                        help="how often to scrape an endpoint (default 1s) or to ask "
                             "Prometheus (default 10s)")
    from leaktui.commands.report import add_prometheus_flags

    add_prometheus_flags(parser)
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--plain", action="store_true",
                     help="print one status line per update instead of the TUI "
                          "(automatic when stdout is not a terminal)")
    out.add_argument("--once", action="store_true",
                     help="print the status of the file as it is now and exit")


def run(args: argparse.Namespace) -> int:
    from leaktui.metrics import procfs
    from leaktui.metrics.scrape import is_url
    from leaktui.metrics.trend import parse_window
    from leaktui.units import parse_duration, parse_size

    if args.prometheus:
        return run_fleet(args)
    for flag in ("match", "metric", "user", "bearer_token"):
        if getattr(args, flag) and not (args.prometheus or (flag != "match" and
                                                             is_url(args.path))):
            raise LeakTuiError(f"--{flag.replace('_', '-')} goes with --prometheus URL"
                               + ("" if flag == "match" else " or a metrics URL"))
    if (args.path is None) == (args.pid is None):
        raise LeakTuiError("watch needs a metrics file, a metrics URL, --pid PID or "
                           "--prometheus URL (one of them)")
    args.interval_s = parse_duration(args.interval) if args.interval else 1.0
    if is_url(args.path):
        return run_endpoint(args)
    if args.pid is not None:
        if args.poll:
            raise LeakTuiError("--poll is for a metrics file, not --pid")
        procfs.check_pid(args.pid)
    args.limit_bytes = parse_size(args.limit) if args.limit else None
    args.window_s = parse_window(args.window) if args.window else None
    if args.once:
        return print_once(args)
    if args.plain or not sys.stdout.isatty():
        return asyncio.run(print_live(args))
    return open_watch_tui(args)


def run_endpoint(args: argparse.Namespace) -> int:
    """`leaktui watch http://HOST:PORT/metrics`: scrape one service, judged like a file."""
    from leaktui.metrics.http import credentials
    from leaktui.metrics.scrape import Endpoint
    from leaktui.metrics.trend import parse_window
    from leaktui.units import parse_size

    if args.poll:
        raise LeakTuiError("--poll is for a metrics file, not a URL")
    endpoint = Endpoint(args.path, credentials(args.user, args.bearer_token), args.metric)
    limit = parse_size(args.limit) if args.limit else None
    window_s = parse_window(args.window) if args.window else None
    if args.once:
        from leaktui.metrics.status import status_line

        print(status_line([endpoint.scrape()], limit=limit), flush=True)
        return 0
    if args.plain or not sys.stdout.isatty():
        return asyncio.run(print_endpoint(args, endpoint, limit, window_s))
    from leaktui.tui.memory import MemoryApp

    MemoryApp(limit=limit, window_s=window_s, endpoint=endpoint,
              interval=args.interval_s).run()
    return 0


async def print_endpoint(args: argparse.Namespace, endpoint: Endpoint, limit: int | None,
                         window_s: float | None) -> int:
    """One status line per scrape; a failed scrape is said on stderr and retried."""
    from leaktui.metrics.samples import SampleTable
    from leaktui.metrics.scrape import watch_endpoint
    from leaktui.metrics.status import status_line

    table = SampleTable()
    async for got in watch_endpoint(endpoint, args.interval_s):
        if isinstance(got, LeakTuiError):
            print(f"leaktui: {got} (retrying)", file=sys.stderr, flush=True)
            continue
        table.extend([got])
        print(status_line(table, 0, limit, window_s), flush=True)
    return 0


def run_fleet(args: argparse.Namespace) -> int:
    """`leaktui watch --prometheus URL`: the fleet view, or its table in --plain/--once."""
    from leaktui.commands.report import prometheus_source
    from leaktui.units import parse_duration, parse_size

    if args.path is not None or args.pid is not None:
        raise LeakTuiError("--prometheus watches a fleet: give no metrics file or --pid")
    if args.poll:
        raise LeakTuiError("--poll is for a metrics file, not --prometheus")
    source = prometheus_source(args)
    limit = parse_size(args.limit) if args.limit else None
    interval = parse_duration(args.interval) if args.interval else 10.0
    if args.once or args.plain or not sys.stdout.isatty():
        return print_fleet(source, limit, interval, once=args.once, metric=args.metric)
    from leaktui.tui.fleet import FleetApp

    FleetApp(source, limit=limit, interval=interval).run()
    return 0


def print_fleet(source: PrometheusSource, limit: int | None, interval: float, once: bool,
                metric: str | None) -> int:
    """The fleet table now (--once: a failure is the command's error), or every interval
    (a failure is reported on stderr and retried)."""
    import time

    from leaktui.metrics.fleet import fetch_fleet, fleet_json, fleet_lines

    while True:
        try:
            fleet = fetch_fleet(source, limit)
        except LeakTuiError as exc:
            if once:
                raise
            print(f"leaktui: {exc} (retrying in {interval:g} s)", file=sys.stderr, flush=True)
        else:
            print("\n".join(fleet_lines(fleet_json(fleet, metric), markdown=False)) + "\n",
                  flush=True)
            if once:
                return 0
        time.sleep(interval)


def open_watch_tui(args: argparse.Namespace) -> int:
    """The TUI for `leaktui watch`: the live memory view alone."""
    from leaktui.tui.memory import MemoryApp

    MemoryApp(path=args.path, pid=args.pid, poll=args.poll, limit=args.limit_bytes,
              window_s=args.window_s).run()
    return 0


def print_once(args: argparse.Namespace) -> int:
    from leaktui.metrics.status import status_line
    from leaktui.metrics.tail import MetricsTail

    if args.pid is not None:
        from leaktui.metrics import procfs

        print(status_line([procfs.sample(args.pid)], limit=args.limit_bytes), flush=True)
        return 0
    tail = MetricsTail(args.path)
    samples = tail.poll()
    samples += tail.flush()
    print(status_line(samples, tail.bad_lines, args.limit_bytes, args.window_s,
                      waiting=tail.state.waiting), flush=True)
    return 0


async def print_live(args: argparse.Namespace) -> int:
    """One status line per update (at most one a second; the latest state is never held
    back longer than that) until interrupted or, with --pid, until the process exits."""
    from leaktui.metrics import procfs
    from leaktui.metrics.samples import SampleTable
    from leaktui.metrics.status import status_line
    from leaktui.metrics.tail import MetricsTail, watch_metrics

    table = SampleTable()
    tail = MetricsTail(args.path) if args.path is not None else None
    dirty = asyncio.Event()

    async def follow() -> None:
        if tail is None:
            try:
                async for sample in procfs.watch_pid(args.pid):
                    table.extend([sample])
                    dirty.set()
            except LeakTuiError as exc:
                print(f"leaktui: {exc}", file=sys.stderr, flush=True)
            return
        async for batch in watch_metrics(args.path, poll=args.poll, tail=tail):
            table.extend(batch)
            dirty.set()

    follower = asyncio.create_task(follow())
    last_line = ""

    def show() -> None:
        nonlocal last_line
        dirty.clear()
        bad, waiting = (tail.bad_lines, tail.state.waiting) if tail else (0, False)
        line = status_line(table, bad, args.limit_bytes, args.window_s, waiting=waiting)
        if line != last_line:
            print(line, flush=True)
            last_line = line

    try:
        while not follower.done():
            waiter = asyncio.create_task(dirty.wait())
            await asyncio.wait({waiter, follower}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if dirty.is_set():
                show()
                await asyncio.sleep(PLAIN_EVERY_S)
        if dirty.is_set():
            show()
        follower.result()  # a failure of the follower is the command's failure
    finally:
        follower.cancel()
    return 0
