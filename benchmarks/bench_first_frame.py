#!/usr/bin/env python3
"""Time from starting `leaktui open` to its first frame (the loading screen) on a terminal.

    python benchmarks/bench_first_frame.py [SNAPSHOT ...] [--repeat 7] [--size 80x24]

Each run starts the real command in a pseudo-terminal, reads the screen until the loading
screen's text ("Loading") has been drawn, then presses q. Also times the Python imports done
before the first frame (`python -X importtime`): leaktui.cli, the open command and the app.
Prints every run, then min / median / max. Default snapshot: the sample series' last file.
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


def first_frame(paths: list[str], size: tuple[int, int], timeout: float = 30.0) -> float:
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    env = dict(os.environ, TERM="xterm-256color")
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "leaktui.cli", *paths], stdin=slave,
                            stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    seen, shown = b"", None
    try:
        while time.perf_counter() - started < timeout:
            if select.select([master], [], [], 0.01)[0]:
                with contextlib.suppress(OSError):
                    seen += os.read(master, 65536)
                if b"Loading" in seen:
                    shown = time.perf_counter() - started
                    break
        os.write(master, b"q")
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    if shown is None:
        raise SystemExit(f"no loading screen within {timeout:g} s: {seen[-300:]!r}")
    return shown


def import_ms() -> float:
    """Cumulative import time (ms) of what runs before the first frame."""
    code = "import leaktui.cli, leaktui.commands.open, leaktui.tui.app"
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
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
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.split("x"))
    imports = [import_ms() for _ in range(3)]
    print(f"imports before the first frame: {min(imports):.0f} / "
          f"{statistics.median(imports):.0f} / {max(imports):.0f} ms (min / median / max)")
    runs = []
    for i in range(args.repeat):
        runs.append(first_frame(args.paths, (width, height)))
        print(f"run {i + 1}: first frame after {1000 * runs[-1]:.0f} ms")
    print(f"first frame: {1000 * min(runs):.0f} / {1000 * statistics.median(runs):.0f} / "
          f"{1000 * max(runs):.0f} ms (min / median / max of {len(runs)})")


if __name__ == "__main__":
    main()
