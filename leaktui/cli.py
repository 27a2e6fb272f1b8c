"""Command line: `leaktui SNAPSHOT...` opens the TUI; subcommands for reports and tools.

Each subcommand lives in its own module exposing ``configure(parser)`` and ``run(args) -> int``;
modules are imported only when their command runs, so `leaktui report` never imports Textual.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence

from leaktui import __version__
from leaktui.errors import LeakTuiError

# leaktui does no linear algebra: numpy's OpenBLAS would start a thread per core at import that
# spins on the second core while the imports run (~0.1 s of CPU in every command). Set before
# any command imports numpy; a value the user set wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "open": ("leaktui.commands.open",
             "open snapshots, profiles or metrics in the TUI (default)"),
    "report": ("leaktui.commands.report", "print a report (json, markdown or text) to stdout"),
    "watch": ("leaktui.commands.watch", "watch a metrics file or a process's memory live"),
    "capture": ("leaktui.commands.capture", "take heap snapshots or profiles from a live process"),
    "serve": ("leaktui.commands.serve", "serve the TUI to a browser on 127.0.0.1"),
    "preload-path": ("leaktui.commands.preload_path",
                     "print the path of the Node metrics preload"),
}

# Commands that leave no thread, child or file behind once their output is written: the
# console script ends their process without the interpreter's teardown, which frees every
# array of the analysis one by one (25-60 ms of a 100 MB `report`; the kernel drops the pages
# at exit anyway).
QUICK_EXIT = frozenset({"report"})


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only `command`'s module is imported (the others stay unloaded)."""
    parser = argparse.ArgumentParser(
        prog="leaktui",
        description="Find memory leaks in Node.js services from V8 heap snapshots.",
        epilog="Run `leaktui COMMAND --help` for a command's options. "
        "Without a command, `leaktui FILE...` opens the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"leaktui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module_name)
        if name == command:
            importlib.import_module(module_name).configure(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return _run(argv)[1]


def entry() -> None:
    """The `leaktui` console script: `main`, then the exit (quick for `QUICK_EXIT`)."""
    command, code = _run(None)
    if command not in QUICK_EXIT:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):  # a reader gone, or closed
            stream.flush()
    os._exit(code)


def _run(argv: Sequence[str] | None) -> tuple[str, int]:
    """(the command that ran, its exit status)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and not args_list[0].startswith("-") and args_list[0] not in COMMANDS:
        args_list.insert(0, "open")
    elif not args_list:
        args_list = ["open"]
    elif args_list[0].startswith("-") and args_list[0] not in ("-h", "--help", "--version"):
        args_list.insert(0, "open")
    parser = build_parser(args_list[0] if args_list[0] in COMMANDS else None)
    args = parser.parse_args(args_list)
    module = importlib.import_module(args._module)
    command = str(args.command or "open")
    try:
        return command, int(module.run(args) or 0)
    except LeakTuiError as exc:
        print(f"leaktui: {exc}", file=sys.stderr)
        return command, 2
    except KeyboardInterrupt:
        print("leaktui: interrupted", file=sys.stderr)
        return command, 130
    except BrokenPipeError:
        return command, 0


if __name__ == "__main__":
    entry()
