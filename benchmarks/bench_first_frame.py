#!/usr/bin/env python3
"""Time from starting `leaktui open` to its first frame (the loading screen) on a terminal.

    python benchmarks/bench_first_frame.py [SNAPSHOT ...] [--repeat 7] [--size 80x24]
        [--no-early-frame] [--python PATH]

Each run starts the real command in a pseudo-terminal, reads the screen until the loading
screen's text ("Loading") has been drawn, then presses q. Two times per run: the first frame
(what the terminal shows first: the early frame leaktui draws before importing Textual, see
leaktui/tui/early_frame.py) and Textual's first frame (its loading screen, drawn once Textual
is imported and started). `--no-early-frame` sets LEAKTUI_EARLY_FRAME=0 (Textual's frame is
then the first). Also times the Python imports done before Textual's frame
(`python -X importtime`): leaktui.cli, the open command and the app.

Bytecode caches are allowed (PYTHONDONTWRITEBYTECODE is removed from the child's environment)
and one uncounted run writes leaktui's first: `pip install .` writes them at install, an
editable checkout on its first run. `--python` runs another interpreter (e.g. a venv made
with the quick start's `pip install .`). Prints every run, then min / median / max. Default
snapshot: the sample series' last file.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pty
import select
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "snapshots_sample" / "unbounded-cache" / "unbounded-cache-3.heapsnapshot.gz"


TEXTUAL_STARTS = b"\x1b[?1000h"  # Textual's driver turns mouse reports on (the early frame not)


def child_env(early: bool) -> dict[str, str]:
    env = dict(os.environ, TERM="xterm-256color")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("LEAKTUI_EARLY_FRAME", None)
    if not early:
        env["LEAKTUI_EARLY_FRAME"] = "0"
    return env


def first_frame(python: str, paths: list[str], size: tuple[int, int], early: bool = True,
                timeout: float = 30.0) -> tuple[float, float]:
    """(seconds to the first frame shown, seconds to Textual's first frame)."""
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    started = time.perf_counter()
    proc = subprocess.Popen([python, "-m", "leaktui.cli", *paths], stdin=slave,
                            stdout=slave, stderr=slave, env=child_env(early),
                            start_new_session=True)
    os.close(slave)
    seen, shown, textual = b"", None, None
    try:
        while time.perf_counter() - started < timeout:
            if select.select([master], [], [], 0.002)[0]:
                with contextlib.suppress(OSError):
                    seen += os.read(master, 65536)
                now = time.perf_counter() - started
                if shown is None and b"Loading" in seen:
                    shown = now
                if TEXTUAL_STARTS in seen and b"Loading" in seen[seen.index(TEXTUAL_STARTS):]:
                    textual = now
                    break
        os.write(master, b"q")
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    if shown is None or textual is None:
        raise SystemExit(f"no loading screen within {timeout:g} s: {seen[-300:]!r}")
    return shown, textual


def import_ms(python: str) -> float:
    """Cumulative import time (ms) of what runs before Textual's first frame."""
    code = "import leaktui.cli, leaktui.commands.open, leaktui.tui.app"
    done = subprocess.run([python, "-X", "importtime", "-c", code], env=child_env(True),
                          capture_output=True, text=True, check=True)
    total = 0
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and not parts[2].startswith("  "):  # top-level imports only
            with contextlib.suppress(ValueError):
                total += int(parts[1])
    return total / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[str(SAMPLE)])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--size", default="80x24")
    parser.add_argument("--no-early-frame", action="store_true",
                        help="LEAKTUI_EARLY_FRAME=0: Textual draws the first frame")
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter with leaktui installed (default: this one)")
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.split("x"))
    early = not args.no_early_frame
    first_frame(args.python, args.paths, (width, height), early)  # writes the bytecode caches
    imports = [import_ms(args.python) for _ in range(3)]
    print(f"imports before Textual's frame: {min(imports):.0f} / "
          f"{statistics.median(imports):.0f} / {max(imports):.0f} ms (min / median / max)")
    runs = []
    for i in range(args.repeat):
        runs.append(first_frame(args.python, args.paths, (width, height), early))
        print(f"run {i + 1}: first frame after {1000 * runs[-1][0]:.0f} ms, "
              f"Textual's after {1000 * runs[-1][1]:.0f} ms")
    for name, times in (("first frame", [r[0] for r in runs]),
                        ("Textual's first frame", [r[1] for r in runs])):
        print(f"{name}: {1000 * min(times):.0f} / {1000 * statistics.median(times):.0f} / "
              f"{1000 * max(times):.0f} ms (min / median / max of {len(times)})")


if __name__ == "__main__":
    main()
