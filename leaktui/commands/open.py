"""`leaktui SNAPSHOT...`: open heap snapshots (a series: oldest first) in the TUI."""

from __future__ import annotations

import argparse
import os

from leaktui.errors import LeakTuiError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="SNAPSHOT",
                        help="heap snapshots (plain or gzipped), oldest first")


def run(args: argparse.Namespace) -> int:
    if not args.paths:
        raise LeakTuiError("give one or more heap snapshots to open (see leaktui --help)")
    for path in args.paths:
        if not os.path.exists(path):
            raise LeakTuiError(f"{path}: no such file")
        if os.path.isdir(path):
            raise LeakTuiError(f"{path}: is a directory, not a heap snapshot")
    from leaktui.tui.app import LeakApp

    LeakApp(list(args.paths)).run()
    return 0
