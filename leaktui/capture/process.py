"""Reaching a Node process by pid (Linux /proc): is it there, is it Node, may we touch it;
SIGUSR1 opens its inspector (on 127.0.0.1:9229 unless it was started with another
--inspect-port), found through the process's own listening sockets; `--heapsnapshot-signal=SIG`
makes Node write a snapshot into its working directory, which we pick up when complete."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from leaktui.capture import procnet
from leaktui.capture.inspector import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    Endpoint,
    find_target,
    is_loopback,
    require_loopback,
)
from leaktui.errors import LeakTuiError

NODE_EXE = re.compile(r"^(node|nodejs)(\d+(\.\d+)*)?$")
INSPECT_FLAGS = ("--inspect", "--inspect-brk", "--inspect-wait")
PORT_FLAGS = ("--inspect-port", "--debug-port")
WILDCARD = ("0.0.0.0", "::")


@dataclass(frozen=True)
class NodeProcess:
    pid: int
    argv: tuple[str, ...]
    exe: str

    @property
    def command(self) -> str:
        return " ".join(self.argv)[:120]


@dataclass(frozen=True)
class OpenedInspector:
    endpoint: Endpoint
    opened_by_us: bool  # SIGUSR1 opened it: close it again when done


def _read_proc(pid: int, name: str) -> bytes:
    try:
        with open(f"/proc/{pid}/{name}", "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise LeakTuiError(f"no process with pid {pid}") from None
    except PermissionError:
        raise LeakTuiError(f"permission denied reading /proc/{pid}/{name} (run leaktui as the "
                           "process's user)") from None


def check_node_process(pid: int) -> NodeProcess:
    """The process `pid`, if it exists, is Node and we may inspect it."""
    if pid <= 0 or not os.path.isdir(f"/proc/{pid}"):
        raise LeakTuiError(f"no process with pid {pid}")
    argv = tuple(a.decode("utf-8", "replace")
                 for a in _read_proc(pid, "cmdline").split(b"\0") if a)
    if not argv:
        raise LeakTuiError(f"process {pid} has exited (a zombie) or is a kernel thread")
    try:
        exe = os.readlink(f"/proc/{pid}/exe").removesuffix(" (deleted)")
    except PermissionError:
        raise LeakTuiError(f"permission denied inspecting process {pid} ({argv[0]}): run "
                           "leaktui as the process's user") from None
    except FileNotFoundError:
        raise LeakTuiError(f"no process with pid {pid}") from None
    names = (os.path.basename(exe), os.path.basename(argv[0]))
    if not any(NODE_EXE.match(n) for n in names):
        raise LeakTuiError(f"process {pid} ({os.path.basename(exe)}: {' '.join(argv)[:60]}) is "
                           "not a Node process")
    return NodeProcess(pid, argv, exe)


def signal_disposition(pid: int, sig: int) -> str:
    """"caught", "ignored" or "default" for signal `sig` in process `pid` (/proc/PID/status)."""
    masks = {}
    for line in _read_proc(pid, "status").decode("ascii", "replace").splitlines():
        key, _, value = line.partition(":")
        if key in ("SigCgt", "SigIgn"):
            masks[key] = int(value.strip(), 16)
    bit = 1 << (sig - 1)
    if masks.get("SigCgt", 0) & bit:
        return "caught"
    return "ignored" if masks.get("SigIgn", 0) & bit else "default"


def require_handler(pid: int, sig: int, why: str) -> None:
    """Refuse to send `sig` unless the process handles it: by default most signals kill."""
    disposition = signal_disposition(pid, sig)
    name = signal.Signals(sig).name
    if disposition == "ignored":
        raise LeakTuiError(f"process {pid} ignores {name}; {why}")
    if disposition == "default":
        raise LeakTuiError(f"process {pid} does not handle {name}, so sending it would kill "
                           f"the process; {why}")


def send_signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        raise LeakTuiError(f"no process with pid {pid}") from None
    except PermissionError:
        raise LeakTuiError(f"permission denied signalling process {pid} (run leaktui as the "
                           "process's user)") from None


def parse_host_port(value: str, host: str, port: int) -> tuple[str, int]:
    """Node's `[HOST:]PORT` option value: digits are a port, anything else a host."""
    if value.isdigit():
        return host, int(value)
    if value.startswith("["):
        v6, _, rest = value[1:].partition("]")
        return v6, int(rest[1:]) if rest[1:].isdigit() else port
    if value.count(":") == 1:
        h, _, p = value.partition(":")
        return h, int(p) if p.isdigit() else port
    return value, port


# Node options whose value may follow as the next argument (`--require x`): their values are
# not the script.
VALUE_OPTIONS = frozenset((
    "-r", "--require", "--import", "--loader", "--experimental-loader", "--inspect-port",
    "--debug-port", "--title", "-C", "--conditions", "--input-type", "--heapsnapshot-signal",
    "--env-file", "--diagnostic-dir", "--report-signal", "--report-directory",
    "--report-filename", "--redirect-warnings", "--icu-data-dir", "--openssl-config",
    "--cpu-prof-dir", "--heap-prof-dir", "--secure-heap", "--stack-trace-limit",
    "--unhandled-rejections", "--dns-result-order", "--disable-proto", "--tls-keylog",
    "--policy-integrity", "--experimental-policy", "--watch-path", "--test-reporter",
    "--test-reporter-destination", "--test-name-pattern", "--test-shard", "--max-http-header-size",
))


def node_options(argv: Sequence[str]) -> list[str]:
    """The options before the script (or `--`, `-e`, `-p`), values included."""
    options: list[str] = []
    args = iter(argv[1:])
    for arg in args:
        if arg == "--" or not arg.startswith("-"):
            break
        options.append(arg)
        if arg in ("-e", "--eval", "-p", "--print"):
            break
        if arg in VALUE_OPTIONS:
            options.append(next(args, ""))
    return options


def _environment_options(pid: int) -> list[str]:
    try:
        environ = _read_proc(pid, "environ")
    except LeakTuiError:
        return []
    for entry in environ.split(b"\0"):
        if entry.startswith(b"NODE_OPTIONS="):
            return entry[len(b"NODE_OPTIONS="):].decode("utf-8", "replace").split()
    return []


def inspector_address(proc: NodeProcess) -> tuple[str, int, bool]:
    """(host, port, active at start) of the process's inspector from NODE_OPTIONS and its
    command line; SIGUSR1 opens it there. Port 0 means "any free port"."""
    host, port, active = DEFAULT_HOST, DEFAULT_PORT, False
    options = _environment_options(proc.pid) + node_options(proc.argv)
    pending: str | None = None
    for opt in options:
        if pending is not None:
            host, port = parse_host_port(opt, host, port)
            pending = None
            continue
        name, has_value, value = opt.partition("=")
        if name in INSPECT_FLAGS:
            active = True
        if name in INSPECT_FLAGS + PORT_FLAGS:
            if has_value:
                host, port = parse_host_port(value, host, port)
            elif name in PORT_FLAGS:
                pending = name
    return host, port, active


def _connect_host(sock: procnet.TcpSocket) -> str:
    if sock.local_host in WILDCARD:
        return "::1" if ":" in sock.local_host else "127.0.0.1"
    return sock.local_host


def _answers_as_inspector(endpoint: Endpoint) -> bool:
    try:
        find_target(endpoint, timeout=1.0)
    except LeakTuiError:
        return False
    return True


def _inspector_among(sockets: Sequence[procnet.TcpSocket], allow_remote: bool,
                     prefer_port: int) -> Endpoint | None:
    """The first of a process's listening sockets that answers /json/list (the expected port
    first); non-loopback listeners are not probed unless allowed."""
    ordered = sorted(sockets, key=lambda s: s.local_port != prefer_port)
    for sock in ordered:
        host = _connect_host(sock)
        if not allow_remote and not is_loopback(host):
            continue
        endpoint = Endpoint(host, sock.local_port)
        if _answers_as_inspector(endpoint):
            return endpoint
    return None


def _clashes(held: str, wanted: str) -> bool:
    """Whether a listener on address `held` keeps Node from binding `wanted` (same port)."""
    wanted = "127.0.0.1" if wanted == "localhost" else wanted
    if held == wanted or held == "::" or wanted == "::":  # [::] also takes IPv4
        return True
    held_v6, wanted_v6 = ":" in held, ":" in wanted
    return held_v6 == wanted_v6 and "0.0.0.0" in (held, wanted)


def _port_holder(host: str, port: int, pid: int) -> str | None:
    """Who else listens where `pid` would open its inspector (None when nobody does)."""
    mine = procnet.socket_inodes(pid)
    for sock in procnet.tcp_sockets():
        if (sock.state != procnet.LISTEN or sock.local_port != port or sock.inode in mine
                or not _clashes(sock.local_host, host)):
            continue
        owner = procnet.owner_of(sock.inode)
        return f"process {owner}" if owner is not None else "another process"
    return None


def open_inspector(proc: NodeProcess, allow_remote: bool = False,
                   wait: float = 10.0) -> OpenedInspector:
    """The process's inspector: the one it has open, or the one SIGUSR1 opens. The address
    is checked (loopback, port free) before the signal is sent."""
    if not procnet.available():
        raise LeakTuiError("--pid needs Linux /proc; start the process with --inspect and use "
                           "--inspect PORT")
    if not procnet.same_network_namespace(proc.pid):
        raise LeakTuiError(f"process {proc.pid} runs in another network namespace (a "
                           "container?): run leaktui inside it")
    host, port, active = inspector_address(proc)
    before = procnet.listening(proc.pid)
    already = [s for s in before if s.local_port == port or active]
    found = _inspector_among(already, allow_remote, port)
    if found is not None:
        return OpenedInspector(found, opened_by_us=False)
    require_loopback(host, allow_remote, what=f"make process {proc.pid} open its inspector on")
    busy = _port_holder(host, port, proc.pid) if port else None
    if busy:
        raise LeakTuiError(_busy_message(proc.pid, host, port, busy))
    require_handler(proc.pid, signal.SIGUSR1, "was it started with --disable-sigusr1? Start "
                    "it with --inspect, or use --heapsnapshot-signal")
    known = {s.inode for s in before}
    send_signal(proc.pid, signal.SIGUSR1)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if not os.path.isdir(f"/proc/{proc.pid}"):
            raise LeakTuiError(f"process {proc.pid} exited after SIGUSR1")
        new = [s for s in procnet.listening(proc.pid) if s.inode not in known]
        found = _inspector_among(new, allow_remote, port)
        if found is not None:
            return OpenedInspector(found, opened_by_us=True)
        time.sleep(0.05)
    busy = _port_holder(host, port, proc.pid) if port else None
    if busy:
        raise LeakTuiError(_busy_message(proc.pid, host, port, busy))
    raise LeakTuiError(f"process {proc.pid} did not open its inspector within {wait:g} s after "
                       "SIGUSR1 (does it handle SIGUSR1 itself, or run with "
                       "--disable-sigusr1?)")


def _busy_message(pid: int, host: str, port: int, holder: str) -> str:
    return (f"port {port} is busy ({holder} listens on it), so process {pid} cannot open its "
            f"inspector on {host}:{port}; free the port, or use --heapsnapshot-signal")


# --heapsnapshot-signal ------------------------------------------------------------------------

HEAP_FILE = re.compile(r"^Heap\..*\.heapsnapshot$")


def signal_number(name: str) -> int:
    upper = name.upper()
    full = upper if upper.startswith("SIG") else "SIG" + upper
    number = getattr(signal, full, None)
    if not isinstance(number, signal.Signals):
        raise LeakTuiError(f"unknown signal {name!r}")
    return int(number)


def _heap_files(directory: str) -> set[str] | None:
    """Node's snapshot files in `directory`; None once the process is gone (or a zombie)."""
    try:
        return {n for n in os.listdir(directory) if HEAP_FILE.match(n)}
    except PermissionError:
        raise LeakTuiError(f"permission denied reading the working directory of the process "
                           f"({directory})") from None
    except FileNotFoundError:
        return None


def _open_by(pid: int, path: str) -> bool | None:
    """Whether `pid` still has `path` open (None when it cannot be told)."""
    try:
        names = os.listdir(f"/proc/{pid}/fd")
        # `path` goes through /proc/PID/cwd: gone (ENOENT) once the process has exited.
        real = os.path.realpath(path)
    except OSError:
        return None
    for name in names:
        with contextlib.suppress(OSError):
            if os.path.realpath(f"/proc/{pid}/fd/{name}") == real:
                return True
    return False


def _finished(pid: int, path: str, last_size: int) -> tuple[bool, int]:
    """(complete?, size): the process has closed the file (or, when that cannot be seen, the
    size stopped changing) and the JSON ends."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return False, -1
    if size == 0:
        return False, size
    open_now = _open_by(pid, path)
    if open_now or (open_now is None and size != last_size):
        return False, size
    try:
        with open(path, "rb") as f:
            f.seek(max(0, size - 64))
            return f.read().rstrip().endswith(b"}"), size
    except OSError:  # the process died since: its /proc/PID/cwd is gone; the caller says so
        return False, -1


def signal_snapshot(proc: NodeProcess, sig: str, dest: str, wait: float = 600.0,
                    on_wait: Callable[[float, int], None] | None = None) -> str:
    """Send `sig` to a process started with --heapsnapshot-signal=SIG, wait for the new
    `Heap.*.heapsnapshot` in its working directory to be complete, move it to `dest` (0600)."""
    number = signal_number(sig)
    name = signal.Signals(number).name
    require_handler(proc.pid, number, f"was it started with --heapsnapshot-signal={name}?")
    cwd = f"/proc/{proc.pid}/cwd"  # works across mount namespaces too
    try:
        real_cwd: str | None = os.readlink(cwd)
    except OSError:
        real_cwd = None
    before = _heap_files(cwd)
    if before is None:
        raise LeakTuiError(f"process {proc.pid} has exited")
    send_signal(proc.pid, number)
    started = time.monotonic()
    last_size = -1
    seen: set[str] = set()
    while time.monotonic() - started < wait:
        now = _heap_files(cwd)
        if now is None:
            left = (_heap_files(real_cwd) or set()) if real_cwd is not None else set()
            removed = _remove_partial(real_cwd, seen | (left - before))
            raise LeakTuiError(f"process {proc.pid} exited before its snapshot was complete"
                               + (" (the incomplete file was removed)" if removed else ""))
        new = sorted(now - before)
        for fresh in set(new) - seen:
            seen.add(fresh)
            with contextlib.suppress(OSError):  # private while Node still writes it
                os.chmod(os.path.join(cwd, fresh), 0o600)
        if new:
            source = os.path.join(cwd, new[-1])
            done, last_size = _finished(proc.pid, source, last_size)
            if done:
                return _move_private(source, dest)
        if on_wait is not None:
            on_wait(time.monotonic() - started, max(last_size, 0))
        time.sleep(0.1)
    raise LeakTuiError(f"process {proc.pid} wrote no snapshot within {wait:g} s after {name} "
                       f"(was it started with --heapsnapshot-signal={name}?)")


def _remove_partial(directory: str | None, names: set[str]) -> bool:
    """Remove the incomplete snapshots a process left when it died (they hold secrets)."""
    removed = False
    if directory is None:
        return removed
    for name in names:
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(directory, name))
            removed = True
    return removed


def _move_private(source: str, dest: str) -> str:
    """Make the file private, then move it (a copy across file systems keeps the mode)."""
    if os.path.lexists(dest):
        raise LeakTuiError(f"{dest} already exists; not overwriting it")
    try:
        os.chmod(source, 0o600)
        shutil.move(source, dest)
        os.chmod(dest, 0o600)
    except OSError as exc:
        from leaktui.capture.snapshot import write_error

        with contextlib.suppress(OSError):
            if os.path.exists(source) and os.path.exists(dest):
                os.unlink(dest)  # a partial copy; the original stays where Node wrote it
        raise write_error(exc, dest) from None
    return dest
