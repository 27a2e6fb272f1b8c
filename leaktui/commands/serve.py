"""`leaktui serve SNAPSHOT... [--port N]`: the same app in a browser (textual-serve), bound to
127.0.0.1; a colleague reaches it through an SSH tunnel, so no snapshot leaves the machine."""

from __future__ import annotations

import argparse
import getpass
import os
import shlex
import socket
import sys

from leaktui.errors import LeakTuiError, check_readable

DEFAULT_PORT = 8765
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
                             "SSH tunnel)")


def app_command(paths: list[str]) -> str:
    """The shell command textual-serve runs for each browser: this Python, `leaktui open`."""
    parts = [sys.executable, "-m", "leaktui.cli", "open", *[os.path.abspath(p) for p in paths]]
    return " ".join(shlex.quote(part) for part in parts)


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

    for path in args.paths:
        check_readable(path)
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
    public_url = f"http://{shown}:{args.port}"  # the page's links and websocket use it
    print(f"Serving leaktui on {public_url}/", flush=True)
    if loopback:
        print(f"From another machine: {tunnel_command(args.host, args.port)} "
              f"then open {public_url}/", flush=True)
    print("Each browser tab runs its own leaktui; ctrl+c stops the server.", flush=True)
    from textual_serve.server import Server

    Server(app_command(args.paths), host=args.host, port=args.port, title="leaktui",
           public_url=public_url).serve()
    return 0
