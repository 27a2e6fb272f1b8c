"""`leaktui watch METRICS [--poll] [--limit SIZE] [--window DURATION] [--plain | --once]` or
`leaktui watch --pid PID`: live memory in the TUI, or one status line per update."""

from __future__ import annotations

import argparse
import asyncio
import sys

from leaktui.errors import LeakTuiError

PLAIN_EVERY_S = 1.0  # at most one status line per second in --plain mode


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", metavar="METRICS",
                        help="a JSON Lines or CSV file the service appends samples to "
                             "(it may not exist yet)")
    parser.add_argument("--pid", type=int, help="sample this process's RSS from /proc "
                                                "every second instead (Linux)")
    parser.add_argument("--poll", action="store_true",
                        help="poll the file instead of waiting for change events "
                             "(network mounts, containers)")
    parser.add_argument("--limit", metavar="SIZE",
                        help="memory limit, e.g. 2G: how long until rss reaches it")
    parser.add_argument("--window", metavar="DURATION",
                        help="judge only the last DURATION (e.g. 15m, 2h); default all")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--plain", action="store_true",
                     help="print one status line per update instead of the TUI "
                          "(automatic when stdout is not a terminal)")
    out.add_argument("--once", action="store_true",
                     help="print the status of the file as it is now and exit")


def run(args: argparse.Namespace) -> int:
    from leaktui.metrics import procfs
    from leaktui.metrics.limits import parse_size, parse_window

    if (args.path is None) == (args.pid is None):
        raise LeakTuiError("watch needs a metrics file or --pid PID (one of them)")
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
