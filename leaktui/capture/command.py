"""`leaktui capture`: take a series of heap snapshots (or a sampling heap profile) from a live
Node process, then open them."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import time
from urllib.parse import urlparse

from leaktui.errors import LeakTuiError

SECRETS = ("Heap snapshots contain the process's memory: tokens, passwords and user data. "
           "Keep them on this host and delete them when done.")


def configure(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--inspect", metavar="[HOST:]PORT",
                       help="a process started with --inspect (loopback only by default)")
    where.add_argument("--pid", type=int, help="a process started without --inspect: SIGUSR1 "
                                               "opens its inspector on 127.0.0.1:9229")
    parser.add_argument("--signal", metavar="SIG", help="with --pid: the process was started "
                        "with --heapsnapshot-signal=SIG; send it and pick up the file")
    parser.add_argument("--count", type=int, default=1, help="snapshots in the series (1)")
    parser.add_argument("--interval", type=float, default=30.0, metavar="SECONDS",
                        help="seconds between snapshots (30)")
    parser.add_argument("-o", "--output", default=".", metavar="DIR", help="where to write")
    parser.add_argument("--sample", type=float, metavar="SECONDS",
                        help="record a sampling heap profile for SECONDS instead")
    parser.add_argument("--track-allocations", action="store_true",
                        help="take snapshots with allocation stacks (allocation tracking on)")
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask before pausing")
    parser.add_argument("--no-open", action="store_true", help="do not open the TUI after")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow a non-loopback inspector address")


def _bar(label: str, done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total) if total else 0
    sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] "
                     f"{100 * done / max(total, 1):5.1f}%")
    sys.stderr.flush()


def _confirm(message: str, yes: bool) -> None:
    print(message, file=sys.stderr)
    if yes:
        return
    if not sys.stdin.isatty():
        raise LeakTuiError("no terminal to ask for confirmation: pass --yes to capture")
    answer = input("Continue? [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise LeakTuiError("capture cancelled")


def run(args: argparse.Namespace) -> int:
    from leaktui.capture import inspector, process

    if args.count < 1:
        raise LeakTuiError("--count takes a positive number")
    os.makedirs(args.output, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    if args.signal:
        if args.pid is None:
            raise LeakTuiError("--signal goes with --pid")
        paths = _signal_series(args, stamp)
    else:
        if args.inspect is not None:
            endpoint = inspector.parse_endpoint(args.inspect, args.allow_remote)
            tag = f"port{endpoint.port}"
        else:
            process.check_node_process(args.pid)
            endpoint = process.open_inspector(args.pid)
            tag = f"pid{args.pid}"
        target = inspector.find_target(endpoint)
        ws_url = target["webSocketDebuggerUrl"]
        ws_host = urlparse(ws_url).hostname or ""
        if not args.allow_remote and not inspector.is_loopback(ws_host):
            raise LeakTuiError(f"the inspector points at {ws_host}, not a loopback address; "
                               "pass --allow-remote to insist")
        paths = asyncio.run(_capture(args, ws_url, f"leaktui-{tag}-{stamp}"))
    for p in paths:
        print(p)
    print(SECRETS, file=sys.stderr)
    if paths and not args.no_open and not args.sample:
        from leaktui.tui.app import LeakApp

        LeakApp(paths).run()
    return 0


async def _capture(args: argparse.Namespace, ws_url: str, stem: str) -> list[str]:
    from leaktui.capture.inspector import CdpSession
    from leaktui.capture.snapshot import heap_usage, sample_profile, take_snapshot
    from leaktui.tui.model import size

    async with CdpSession(ws_url) as session:
        used, total = await heap_usage(session)
        if args.sample:
            _confirm(f"Sampling heap allocations for {args.sample:g} s (heap {size(used)} used "
                     f"of {size(total)}); the overhead is small.", args.yes)
            path = os.path.join(args.output, f"{stem}.heapprofile")
            await sample_profile(session, path, args.sample)
            return [path]
        _confirm(f"The JS heap holds {size(used)} (of {size(total)}). Each snapshot pauses the "
                 f"process while V8 writes it and needs memory of about the heap size. "
                 f"{SECRETS}", args.yes)
        paths: list[str] = []
        for i in range(args.count):
            if i:
                await asyncio.sleep(args.interval)
            path = os.path.join(args.output, f"{stem}-{i + 1}.heapsnapshot")
            label = f"snapshot {i + 1}/{args.count}"

            def progress(done: int, total: int, label: str = label) -> None:
                _bar(label, done, total)

            await take_snapshot(session, path, progress,
                                track_allocations=args.track_allocations)
            sys.stderr.write("\n")
            paths.append(path)
        return paths


def _signal_series(args: argparse.Namespace, stamp: str) -> list[str]:
    from leaktui.capture.process import signal_snapshot

    _confirm(f"Asking process {args.pid} for {args.count} snapshot(s) with {args.signal}; it "
             f"pauses while writing each. {SECRETS}", args.yes)
    paths = []
    for i in range(args.count):
        if i:
            time.sleep(args.interval)
        written = signal_snapshot(args.pid, args.signal)
        dest = os.path.join(args.output, f"leaktui-pid{args.pid}-{stamp}-{i + 1}.heapsnapshot")
        shutil.move(written, dest)
        os.chmod(dest, 0o600)
        paths.append(dest)
    return paths
