"""`leaktui watch METRICS [--poll] [--limit SIZE]` or `leaktui watch --pid PID`."""

from __future__ import annotations

import argparse

from leaktui.errors import LeakTuiError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", metavar="METRICS",
                        help="a JSON Lines or CSV file the service appends samples to")
    parser.add_argument("--pid", type=int, help="sample this process's RSS from /proc instead")
    parser.add_argument("--poll", action="store_true",
                        help="poll the file instead of waiting for change events "
                             "(network mounts, containers)")
    parser.add_argument("--limit", metavar="SIZE", help="memory limit, e.g. 2G: time to reach it")


def run(args: argparse.Namespace) -> int:
    from leaktui.metrics import procfs
    from leaktui.metrics.limits import parse_size

    if (args.path is None) == (args.pid is None):
        raise LeakTuiError("watch needs a metrics file or --pid PID (one of them)")
    if args.pid is not None:
        procfs.check_pid(args.pid)
    limit = parse_size(args.limit) if args.limit else None
    from leaktui.tui.memory import MemoryApp

    MemoryApp(path=args.path, pid=args.pid, poll=args.poll, limit=limit).run()
    return 0
