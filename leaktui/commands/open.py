"""`leaktui SNAPSHOT...`: open heap snapshots (a series: oldest first) in the TUI."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import MutableMapping

from leaktui.errors import LeakTuiError, check_readable


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="SNAPSHOT",
                        help="heap snapshots (plain or gzipped), oldest first")
    parser.add_argument("--metrics", metavar="FILE",
                        help="a metrics file to follow live (view 4, and the header)")
    parser.add_argument("--poll", action="store_true",
                        help="poll the metrics file (network mounts, containers)")
    parser.add_argument("--limit", metavar="SIZE",
                        help="memory limit, e.g. 2G (decimal: 2·10^9 bytes; 2GiB for 2·1024^3): "
                             "how long until rss reaches it")
    parser.add_argument("--window", metavar="DURATION",
                        help="judge the metrics trend on the last DURATION (e.g. 15m, 2h)")
    parser.add_argument("--theme", metavar="NAME", default=os.environ.get("LEAKTUI_THEME"),
                        help="colour theme: ansi (the terminal's own colours), dark, light "
                             "or a Textual theme name (default: $LEAKTUI_THEME)")



# Textual draws a frame at most this often. A key's answer is often a few frames in a row
# (a highlight lists the instances, whose highlight previews the object...), each waiting for
# the next tick: at 120 instead of Textual's 60 the keys that change several panes stood
# still 15-60 ms sooner in a real terminal (benchmarks/bench_tui_pty.py, docs/performance.md).
FRAMES_PER_SECOND = 120
# A lone escape (close the filter, leave a prompt) is told from the first byte of an escape
# sequence (an arrow key) by waiting this long for the sequence's next byte: 100 ms in Textual,
# as in curses. A terminal writes a whole sequence at once and SSH carries it in one message,
# so it comes in one read (Neovim waits 50 ms, tmux since 3.5 10 ms): escape answers 75 ms
# sooner.
ESCAPE_DELAY_MS = 25


def terminal_timing(environ: MutableMapping[str, str]) -> None:
    """Textual's frame rate and escape delay for the TUI, unless the user set TEXTUAL_FPS or
    ESCDELAY (both read when Textual is imported)."""
    environ.setdefault("TEXTUAL_FPS", str(FRAMES_PER_SECOND))
    environ.setdefault("ESCDELAY", str(ESCAPE_DELAY_MS))


def run(args: argparse.Namespace) -> int:
    from leaktui.units import parse_size

    terminal_timing(os.environ)

    limit = parse_size(args.limit) if args.limit else None
    window_s = None
    if args.window:  # the trend module brings numpy: not before the first frame otherwise
        from leaktui.metrics.trend import parse_window

        window_s = parse_window(args.window)
    if window_s is not None and not args.metrics:
        raise LeakTuiError("--window judges a metrics file: give --metrics FILE too")
    if args.metrics and os.path.isdir(args.metrics):
        raise LeakTuiError(f"{args.metrics}: is a directory, not a metrics file")
    if not args.paths and args.metrics:
        from leaktui.tui.memory import MemoryApp

        MemoryApp(path=args.metrics, poll=args.poll, limit=limit, window_s=window_s).run()
        return 0
    if not args.paths:
        raise LeakTuiError("give one or more heap snapshots to open (see leaktui --help)")
    refused = []
    for path in args.paths:
        try:
            check_readable(path)
        except LeakTuiError as exc:
            refused.append(exc)
    if len(refused) == len(args.paths):  # in a series, the app opens the rest and names it
        raise refused[0]
    from leaktui.profiles.sniff import is_heap_profile  # light: the first frame waits

    profiles = [p for p in args.paths if is_heap_profile(p)]
    if profiles:
        if len(profiles) != len(args.paths):
            raise LeakTuiError("open heap profiles and snapshots separately")
        from leaktui.profiles.heapprofile import load_profile
        from leaktui.tui.profile import ProfileApp

        ProfileApp(load_profile(profiles[-1])).run()
        return 0
    from leaktui.snapshot import early
    from leaktui.tui import early_frame

    early.start(args.paths[0])  # its arrays parsed on the idle core while Textual imports
    try:
        frame = early_frame.draw(args.paths)  # the loading frame, before Textual's import
        from leaktui.tui.app import LeakApp

        app = LeakApp(list(args.paths), metrics=args.metrics, poll=args.poll, limit=limit,
                      window_s=window_s, theme=args.theme, early_frame=frame)
        app.run()
    finally:
        early_frame.close()  # the terminal as it was, on every way out (errors, Ctrl-C)
    if not app.load_finished.is_set():
        # Quit while loading: the screen is restored; do not wait for the loading thread
        # to reach its next stopping point (a JIT compile or a big phase can take seconds).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(app.return_code or 0)
    return app.return_code or 0
