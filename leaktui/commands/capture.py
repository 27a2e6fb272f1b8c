"""`leaktui capture`: take a series of heap snapshots (or a sampling heap profile) from a live
Node process, then open them in the TUI (`open_series`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shlex
import shutil
import signal
import sys
import time
from collections.abc import Coroutine, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO, TypeVar
from urllib.parse import urlparse

from leaktui.capture.series import (
    Bar,
    Plan,
    capture_series,
    fail_keeping,
)
from leaktui.errors import LeakTuiError
from leaktui.units import format_size

if TYPE_CHECKING:
    from leaktui.capture.inspector import CdpSession, Endpoint, HeapUsage
    from leaktui.capture.process import NodeProcess
    from leaktui.capture.snapshot import Progress

T = TypeVar("T")

SECRETS = ("Heap snapshots hold everything in the process's memory: tokens, passwords, keys and "
           "user data. Keep them on this host (they are written mode 0600) and delete them "
           "when done.")
REMINDER = "These files hold secrets from the process's memory: keep them private, delete them " \
    "when done."


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = ("Each snapshot pauses the process and needs memory of about its heap size; "
                     "leaktui shows the heap size and asks first (--yes to skip). " + SECRETS)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--inspect", metavar="[HOST:]PORT",
                       help="a process started with --inspect: its inspector's port, HOST:PORT "
                            "or ws:// URL (loopback only unless --allow-remote)")
    where.add_argument("--pid", type=int, help="a process started without --inspect: SIGUSR1 "
                                               "opens its inspector (127.0.0.1:9229)")
    parser.add_argument("--signal", metavar="SIG", help="with --pid: the process was started "
                        "with --heapsnapshot-signal=SIG; send SIG and pick up the file Node "
                        "writes in its working directory")
    parser.add_argument("--count", type=int, default=1, metavar="N",
                        help="snapshots in the series (1)")
    parser.add_argument("--interval", type=float, default=30.0, metavar="SECONDS",
                        help="seconds from one snapshot's start to the next (30); with "
                             "--track-allocations also the tracking time before the first")
    parser.add_argument("-o", "--output", default=".", metavar="DIR",
                        help="directory for the files (created 0700 if missing)")
    parser.add_argument("--sample", type=float, metavar="SECONDS",
                        help="record a sampling heap profile for SECONDS (.heapprofile) "
                             "instead of snapshots")
    parser.add_argument("--track-allocations", action="store_true",
                        help="track allocations and take snapshots that carry allocation "
                             "stacks")
    parser.add_argument("--yes", "-y", action="store_true",
                        help="do not ask before pausing the process (needed without a "
                             "terminal)")
    parser.add_argument("--no-open", action="store_true",
                        help="do not open the TUI afterwards (the paths are printed either "
                             "way)")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow an inspector on a non-loopback address")


# --- output --------------------------------------------------------------------------------




def render_progress(label: str, progress: Progress, width: int = 30) -> str:
    """One line for `progress`: a bar while V8 walks the heap or the profile samples, the
    bytes written while the snapshot streams."""
    if progress.phase == "gc":
        return f"{label}: collecting garbage"
    if progress.phase in ("snapshot", "sampling"):
        fraction = min(1.0, progress.done / progress.total) if progress.total else 0.0
        filled = int(width * fraction)
        return f"{label} [{'#' * filled}{'.' * (width - filled)}] {100 * fraction:5.1f}%"
    if progress.phase == "interrupted":
        return (f"{label}: interrupted; V8 cannot stop a snapshot half way and closing the "
                "connection now can crash Node, so the rest is read and thrown away before "
                "leaving (Ctrl-C again to leave at once)")
    if progress.phase == "writing":
        return f"{label} [{'#' * width}] writing {format_size(progress.written)}"
    return f"{label}: {format_size(progress.written)} written"


class ProgressBar:
    """A progress line on stderr for one capture: redrawn in place on a terminal (at most 10
    times a second), a line at the start and the end otherwise (logs stay readable)."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self._last = 0.0
        self._line_open = False  # a redrawn line waits for its newline
        self._started = time.monotonic()
        if not self.tty:
            self.stream.write(f"{label}: started\n")
            self.stream.flush()

    def __call__(self, progress: Progress) -> None:
        if progress.phase == "interrupted":  # said whether or not stderr is a terminal
            self.stream.write(("\r\x1b[K" if self.tty else "")
                              + render_progress(self.label, progress) + "\n")
            self.stream.flush()
            self._line_open = False
            return
        if not self.tty:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and progress.phase != "done":
            return
        self._last = now
        self.stream.write("\r\x1b[K" + render_progress(self.label, progress))
        self.stream.flush()
        self._line_open = True

    def finish(self, path: str, size: int) -> None:
        seconds = time.monotonic() - self._started
        line = f"{self.label}: {format_size(size)} in {seconds:.1f} s -> {path}"
        self.stream.write(("\r\x1b[K" if self.tty else "") + line + "\n")
        self.stream.flush()

    def abandon(self) -> None:
        if self._line_open:
            self.stream.write("\n")
            self.stream.flush()
            self._line_open = False


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def confirm(message: str, question: str, yes: bool) -> None:
    """Show `message`; unless `yes`, ask `question` on the terminal (no terminal: refuse)."""
    _say(message)
    if yes:
        return
    if not sys.stdin.isatty():
        raise LeakTuiError("stdin is not a terminal, so leaktui cannot ask before pausing the "
                           "process: pass --yes to capture anyway")
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()  # the prompt stays off stdout (the paths)
    if answer not in ("y", "yes"):
        raise LeakTuiError("cancelled: nothing was captured")


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


# A snapshot file is larger than the heap it describes (edges, names and JSON text): from
# about 1.3 to 2 times on Node 20. The upper end is used to warn before the first snapshot;
# later ones are checked against the size of the one before.
FILE_PER_HEAP_BYTE = 2


def pause_warning(usage: HeapUsage, count: int, output: str) -> str:
    """What a series of snapshots costs: the pause, memory in the process, disk space."""
    lines = [f"JS heap: {format_size(usage.used)} used of {format_size(usage.total)}.",
             "Each snapshot pauses the process while V8 walks the heap (longer for a bigger "
             f"heap) and needs memory of about the heap size ({format_size(usage.used)}) inside "
             "the process while it runs."]
    available = _available_memory()
    if available is not None and available < usage.used:
        lines.append(f"WARNING: this host has only {format_size(available)} available: the "
                     "process may be killed for lack of memory.")
    free = shutil.disk_usage(output).free
    needed = FILE_PER_HEAP_BYTE * usage.used * count
    if free < needed:
        lines.append(f"WARNING: {output} has {format_size(free)} free; {count} snapshot(s) may "
                     f"need about {format_size(needed)}.")
    lines.append(SECRETS)
    return "\n".join(lines)


# --- the command -------------------------------------------------------------------------------


def _check_args(args: argparse.Namespace) -> None:
    if args.count < 1:
        raise LeakTuiError("--count takes a positive number")
    if args.interval < 0:
        raise LeakTuiError("--interval cannot be negative")
    if args.sample is not None and args.sample <= 0:
        raise LeakTuiError("--sample takes a positive number of seconds")
    if args.sample is not None and args.track_allocations:
        raise LeakTuiError("--sample and --track-allocations are two different captures: "
                           "choose one")
    if args.signal and args.pid is None:
        raise LeakTuiError("--signal goes with --pid")
    if args.signal and (args.sample is not None or args.track_allocations):
        raise LeakTuiError("--signal takes plain snapshots only; use the inspector (without "
                           "--signal) for --sample or --track-allocations")
    if args.sample is not None and args.count != 1:
        raise LeakTuiError("--sample records one profile; --count is for snapshots")


def _prepare_output(directory: str) -> str:
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    except OSError as exc:
        raise LeakTuiError(f"cannot create {directory}: {exc.strerror or exc}") from None
    if not os.path.isdir(directory):
        raise LeakTuiError(f"{directory} is not a directory")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise LeakTuiError(f"permission denied writing into {directory}")
    return directory


def _stem(output: str, tag: str) -> str:
    """A name prefix no file in `output` starts with yet."""
    base = f"leaktui-{tag}-{time.strftime('%Y%m%d-%H%M%S')}"
    stem, n = base, 1
    while any(name.startswith(stem + "-") or name.startswith(stem + ".")
              for name in os.listdir(output)):
        n += 1
        stem = f"{base}.{n}"
    return stem


def run(args: argparse.Namespace) -> int:
    _check_args(args)
    if not args.yes and not sys.stdin.isatty():
        raise LeakTuiError("stdin is not a terminal, so leaktui cannot ask before pausing the "
                           "process: pass --yes to capture anyway")
    from leaktui.capture import inspector, process

    # The address is checked before anything else touches the network or the process.
    endpoint = (inspector.parse_endpoint(args.inspect, args.allow_remote)
                if args.inspect is not None else None)
    proc = process.check_node_process(args.pid) if args.pid is not None else None
    output = _prepare_output(args.output)
    tag = f"pid{args.pid}" if proc is not None else f"port{endpoint.port if endpoint else 0}"
    plan = Plan(output, _stem(output, tag), args.count, args.interval, args.sample,
                args.track_allocations, args.yes)
    if args.signal:
        assert proc is not None
        paths = signal_series(proc, args.signal, plan)
    else:
        opened_by_us = False
        if endpoint is None:
            assert proc is not None
            opened = process.open_inspector(proc, args.allow_remote)
            endpoint, opened_by_us = opened.endpoint, opened.opened_by_us
        paths = inspector_capture(endpoint, plan, args.allow_remote, opened_by_us,
                                  who=proc.command if proc is not None else None)
    for path in paths:
        print(path, flush=True)
    _say(REMINDER)
    if not args.no_open:
        open_series(paths)
    return 0


def open_series(paths: Sequence[str]) -> None:
    """Open what was captured in the TUI, as `leaktui PATH...` would (growth and suspects for
    a series; the profile view for a .heapprofile). The hook the TUI side may replace."""
    import importlib

    from leaktui.cli import build_parser

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        _say("No terminal here, so the TUI does not open; later: leaktui " + shlex.join(paths))
        return
    args = build_parser("open").parse_args(["open", *paths])
    importlib.import_module(args._module).run(args)


def inspector_capture(endpoint: Endpoint, plan: Plan, allow_remote: bool,
                      opened_by_us: bool, who: str | None = None) -> list[str]:
    """Capture over the inspector at `endpoint`: heap size, confirmation, then snapshots or a
    profile; an inspector that SIGUSR1 opened is closed again, whatever happens."""
    from leaktui.capture.inspector import (
        CdpSession,
        check_not_attached,
        find_target,
        require_loopback,
    )

    check_not_attached(endpoint)
    target = find_target(endpoint)
    require_loopback(urlparse(target.ws_url).hostname or "", allow_remote,
                     what="follow the inspector to")
    _say(f"Inspector {endpoint}: {who or target.title or target.url or target.ws_url}")
    session = CdpSession(target.ws_url)
    # One loop across the steps; the question is asked between them, outside the loop, so
    # Ctrl-C at the prompt interrupts it at once.
    with _event_loop() as loop:
        loop.run_until_complete(session.__aenter__())
        try:
            usage = _interruptible(loop, session.heap_usage())
            if plan.sample is not None:
                _confirm_sample(plan, usage)
                return [_interruptible(loop, _sample(session, plan))]
            _confirm_series(plan, usage)
            return _interruptible(loop, _series(session, plan))
        finally:
            asked = opened_by_us and loop.run_until_complete(_close_inspector(session))
            loop.run_until_complete(session.__aexit__(None, None, None))
            if opened_by_us:
                _say("Closed the inspector that SIGUSR1 opened." if asked and
                     _wait_closed(endpoint) else
                     f"The inspector that SIGUSR1 opened may stay open on {endpoint} until "
                     "the process exits.")


def _interruptible(loop: asyncio.AbstractEventLoop, step: Coroutine[Any, Any, T]) -> T:
    """Run `step` on `loop` with Ctrl-C cancelling it, so it can finish what must not be cut
    short (a snapshot V8 is writing: `take_snapshot`); a second Ctrl-C leaves at once. Either
    way the command ends as interrupted (KeyboardInterrupt)."""
    task = loop.create_task(step)
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # started with Ctrl-C ignored
        return loop.run_until_complete(task)
    interrupts = 0

    def interrupted() -> None:
        nonlocal interrupts
        interrupts += 1
        if interrupts > 1:
            raise KeyboardInterrupt
        task.cancel()

    loop.add_signal_handler(signal.SIGINT, interrupted)
    try:
        return loop.run_until_complete(task)
    except asyncio.CancelledError:
        if interrupts:
            raise KeyboardInterrupt from None
        raise
    finally:
        loop.remove_signal_handler(signal.SIGINT)


@contextlib.contextmanager
def _event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """One event loop for several steps, closed after them (what asyncio.Runner does; Python
    3.10 has none): tasks left over are cancelled, async generators finalised."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        try:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def _wait_closed(endpoint: Endpoint, timeout: float = 3.0) -> bool:
    """True once nothing listens on the endpoint's port any more."""
    from leaktui.capture import procnet

    if not procnet.available():
        return False
    def listening() -> bool:
        return any(s.state == procnet.LISTEN and s.local_port == endpoint.port
                   and s.local_host in (endpoint.host, "0.0.0.0", "::")
                   for s in procnet.tcp_sockets())

    deadline = time.monotonic() + timeout
    while listening():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


async def _close_inspector(session: CdpSession) -> bool:
    if not session.alive:
        return False
    try:
        return await session.close_inspector()
    except LeakTuiError:
        return False


def _confirm_sample(plan: Plan, usage: HeapUsage) -> None:
    confirm(f"JS heap: {format_size(usage.used)} used. Sampling allocations for "
            f"{plan.sample:g} s costs little and does not pause the process; the profile names "
            "functions and source files.", "Record the profile?", plan.yes)


def _confirm_series(plan: Plan, usage: HeapUsage) -> None:
    what = (f"{plan.count} snapshots, {plan.interval:g} s apart" if plan.count > 1 else
            "1 snapshot")
    if plan.track:
        what += (f", with allocation tracking on from now (first snapshot after "
                 f"{plan.interval:g} s; tracking slows allocation while it runs)")
    confirm(pause_warning(usage, plan.count, plan.output), f"Take {what}?", plan.yes)


async def _sample(session: CdpSession, plan: Plan) -> str:
    from leaktui.capture.snapshot import sample_profile

    assert plan.sample is not None
    path = os.path.join(plan.output, f"{plan.stem}.heapprofile")
    bar = ProgressBar("heap profile")
    try:
        captured = await sample_profile(session, path, plan.sample, bar)
    except BaseException:
        bar.abandon()
        raise
    bar.finish(captured.path, captured.size)
    return captured.path


async def _series(session: CdpSession, plan: Plan) -> list[str]:
    from leaktui.capture.snapshot import start_tracking, take_snapshot

    async def take(i: int, dest: str, bar: Bar) -> tuple[str, int]:
        assert isinstance(bar, ProgressBar)
        captured = await take_snapshot(session, dest, bar,
                                       stop_tracking=plan.track and i == plan.count - 1)
        return captured.path, captured.size

    if plan.track:
        try:
            await start_tracking(session)
        except (LeakTuiError, asyncio.CancelledError) as exc:
            fail_keeping([], exc)
            raise
    return await capture_series(plan, take, ProgressBar,
                                first_delay=plan.interval if plan.track else 0.0)


def signal_series(proc: NodeProcess, sig: str, plan: Plan) -> list[str]:
    """Snapshots through --heapsnapshot-signal: Node writes them, we move them here."""
    from leaktui.capture.process import require_handler, signal_number, signal_snapshot

    number = signal_number(sig)  # an unknown name fails before the question
    require_handler(proc.pid, number, f"was it started with --heapsnapshot-signal="
                    f"{signal.Signals(number).name}?")
    from leaktui.metrics.procfs import read_rss

    rss = read_rss(proc.pid)
    confirm(f"Process {proc.pid} ({proc.command}) uses {format_size(rss)} of memory. Each "
            "snapshot pauses it while V8 walks the heap and needs memory of about the heap "
            "size. Node writes the file into the process's working directory with its usual "
            f"permissions; leaktui moves it to {plan.output} and makes it private.\n{SECRETS}",
            f"Send {sig} {plan.count} time(s)?", plan.yes)
    from leaktui.capture.snapshot import Progress

    async def take(i: int, dest: str, bar: Bar) -> tuple[str, int]:
        assert isinstance(bar, ProgressBar)

        def waiting(seconds: float, size: int) -> None:
            bar(Progress("writing", written=size))

        path = signal_snapshot(proc, sig, dest, on_wait=waiting)  # blocks: nothing else runs
        return path, os.path.getsize(path)

    return asyncio.run(capture_series(plan, take, ProgressBar))
