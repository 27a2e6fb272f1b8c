"""`leaktui serve SNAPSHOT... [--port N]`: the same app in a browser (textual-serve), bound to
127.0.0.1; a colleague reaches it through an SSH tunnel, so no snapshot leaves the machine.
127.0.0.1 is not private on a shared host, so every request needs this run's token (printed in
the URL) or the cookie it sets; see `serve_guard`."""

from __future__ import annotations

import argparse
import getpass
import os
import shlex
import socket
import sys

from leaktui.errors import LeakTuiError, check_readable

DEFAULT_PORT = 8765
DEFAULT_MAX_SESSIONS = 2
DEFAULT_IDLE = "30m"
SECRETS_WARNING = ("heap snapshots hold the service's secrets (tokens, passwords, customer "
                   "data): anyone who reaches this port can read them")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="SNAPSHOT",
                        help="heap snapshots (plain or gzipped), oldest first")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port to listen on (default {DEFAULT_PORT})")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1; a non-loopback address needs "
                             "--allow-remote)")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow a non-loopback --host (snapshots hold secrets: prefer an "
                             "SSH tunnel; the token is still needed)")
    parser.add_argument("--token-file", metavar="PATH",
                        help="read the token from PATH (one line, mode 600) instead of making "
                             "a random one for this run")
    parser.add_argument("--max-sessions", type=int, default=DEFAULT_MAX_SESSIONS, metavar="N",
                        help="browser sessions at once; each runs its own leaktui with the "
                             f"snapshots loaded (default {DEFAULT_MAX_SESSIONS})")
    parser.add_argument("--idle", default=DEFAULT_IDLE, metavar="DURATION",
                        help="end a session after this long without input (keys, mouse, "
                             f"resize): 90s, 30m, 2h (default {DEFAULT_IDLE})")


def app_command(paths: list[str]) -> str:
    """The shell command textual-serve runs for each browser: this Python, `leaktui open`.
    `exec`, so the shell becomes the app: ending the session's process ends the app itself."""
    parts = [sys.executable, "-m", "leaktui.cli", "open", *[os.path.abspath(p) for p in paths]]
    return "exec " + " ".join(shlex.quote(part) for part in parts)


def url_host(host: str) -> str:
    host = host.strip("[]")
    return f"[{host}]" if ":" in host else host


def tunnel_command(host: str, port: int) -> str:
    """What a colleague runs on their machine to reach the page (same port at both ends: the
    page's links and websocket name this port)."""
    return (f"ssh -N -L {port}:{url_host(host)}:{port} "
            f"{getpass.getuser()}@{socket.gethostname()}")



def check_port(host: str, port: int) -> None:
    """Fail before printing instructions when the port cannot be had."""
    if not 0 < port < 65536:
        raise LeakTuiError(f"--port {port}: not a port number (1-65535)")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            raise LeakTuiError(f"cannot listen on {host}:{port}: "
                               f"{exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    from leaktui.capture.inspector import is_loopback
    from leaktui.commands import serve_guard
    from leaktui.units import parse_duration

    for path in args.paths:
        check_readable(path)
    if args.max_sessions < 1:
        raise LeakTuiError(f"--max-sessions {args.max_sessions}: at least 1")
    try:
        idle_s = parse_duration(args.idle)
    except LeakTuiError as exc:
        raise LeakTuiError(f"--idle: {exc}") from None
    token = (serve_guard.read_token_file(args.token_file) if args.token_file
             else serve_guard.new_token())
    loopback = is_loopback(args.host)
    if not loopback and not args.allow_remote:
        raise LeakTuiError(f"refusing to serve on {args.host}: {SECRETS_WARNING}; keep "
                           "127.0.0.1 and share an SSH tunnel (or pass --allow-remote)")
    check_port(args.host, args.port)
    shown = url_host(args.host)
    if not loopback:
        print(f"leaktui: warning: serving on {args.host}, not loopback: {SECRETS_WARNING}",
              file=sys.stderr, flush=True)
        if args.host.strip("[]") in ("0.0.0.0", "::"):
            shown = socket.gethostname()
    public_url = f"http://{shown}:{args.port}"
    token_url = f"{public_url}/?token={token}"  # stdout only: never logged, never in argv
    print(f"Serving leaktui on {token_url}", flush=True)
    if loopback:
        print(f"From another machine: {tunnel_command(args.host, args.port)} "
              f"then open {token_url}", flush=True)
    print(f"The token in the URL is the key (the page then keeps it in a cookie). Each browser "
          f"tab runs its own leaktui: at most {args.max_sessions} at once, each ended after "
          f"{serve_guard.format_duration(idle_s)} without input; ctrl+c stops the server.",
          flush=True)
    guard = serve_guard.Guard(token=token, port=args.port,
                              hosts=serve_guard.allowed_hosts(args.host, shown))
    serve_guard.GuardedServer(app_command(args.paths), host=args.host, port=args.port,
                              public_url=public_url, guard=guard,
                              max_sessions=args.max_sessions, idle_s=idle_s).serve()
    return 0
