"""`leaktui serve SNAPSHOT... [--port N]`: the same app in a browser (textual-serve), bound to
127.0.0.1; a colleague reaches it through an SSH tunnel."""

from __future__ import annotations

import argparse
import os
import shlex
import socket
import sys

from leaktui.errors import LeakTuiError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="SNAPSHOT",
                        help="heap snapshots (plain or gzipped), oldest first")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1; loopback only unless "
                             "--allow-remote)")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow binding a non-loopback address")


def run(args: argparse.Namespace) -> int:
    from leaktui.capture.inspector import is_loopback

    for path in args.paths:
        if not os.path.exists(path):
            raise LeakTuiError(f"{path}: no such file")
    if not is_loopback(args.host) and not args.allow_remote:
        raise LeakTuiError(f"refusing to serve on {args.host}: snapshots hold secrets; bind "
                           "127.0.0.1 and use an SSH tunnel (or pass --allow-remote)")
    with socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET) as probe:
        try:
            probe.bind((args.host, args.port))
        except OSError as exc:
            raise LeakTuiError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}")\
                from None
    command = " ".join(shlex.quote(part) for part in
                       [sys.executable, "-m", "leaktui.cli", "open",
                        *[os.path.abspath(p) for p in args.paths]])
    host = socket.gethostname()
    print(f"Serving leaktui on http://{args.host}:{args.port}/", flush=True)
    print(f"From your machine: ssh -N -L {args.port}:127.0.0.1:{args.port} {host} "
          f"then open http://127.0.0.1:{args.port}/", flush=True)
    print("Snapshots hold secrets from the heap: share the tunnel, not the files.", flush=True)
    from textual_serve.server import Server

    Server(command, host=args.host, port=args.port, title="leaktui").serve()
    return 0
