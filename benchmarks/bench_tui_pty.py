#!/usr/bin/env python3
"""Keypress to screen in the real TUI, through a pseudo-terminal, as a person on SSH sees it.

    python benchmarks/bench_tui_pty.py SNAPSHOT [--size 160x50] [--runs 1] [--goto ID]
                                       [--most-held] [--show]

`leaktui SNAPSHOT` runs as a user runs it, in a terminal of its own (a pty of the given size,
TERM=xterm-256color); this script is the terminal: it types keys as escape sequences and
timestamps every byte the app writes back. For each key: the time to the first byte of the
answer and to the last byte written before the app falls quiet (`--quiet` seconds with no
output), which is when the screen stands in its new state. Nothing of the app is patched or
hooked, and there is no test harness between the key and the screen (bench_tui.py measures
through Textual's pilot, whose own idle waits cost ~70-100 ms a key).

Steps: three `down`s on the class table (each lists the class's first page of instances),
`enter` (its instances, the largest previewed), `down` (the next one previewed), `enter` (it
opens: retainers, path to a root), `e` (nearest retainers to a root), `tab`s around the panes
back to the classes, `s` five times (each sort column), the filter (`/`, three letters,
`escape`), and, with `--goto ID` (or `--most-held`: the object with the most retainer slots,
found by loading the file in a separate process first), `g`, the id's digits and `enter`,
whose answer may come in two parts (the object at once; its retainer list and path from
worker threads when it is held through very many slots), timed with a longer quiet gap.
The screen after each step is checked with a terminal emulator (pyte) when it is installed,
and printed with `--show`.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

KEYS = {"down": b"\x1b[B", "up": b"\x1b[A", "enter": b"\r", "tab": b"\t",
        "shift+tab": b"\x1b[Z", "escape": b"\x1b", "slash": b"/"}
LOADED = re.compile(rb"loaded in [0-9.]+\s*s.{0,40}suspects", re.S)
ANSI = re.compile(rb"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
                  rb"|\x1b[()][A-Z0-9]|\x1b[=>78]")


@dataclass
class Terminal:
    """The app in a pty: what it wrote, with when."""

    proc: subprocess.Popen[bytes]
    master: int
    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    trace: bool = False

    @classmethod
    def start(cls, argv: list[str], cols: int, rows: int) -> Terminal:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor")
        env.pop("PYTHONUNBUFFERED", None)
        proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                start_new_session=True, cwd=ROOT)
        os.close(slave)
        term = cls(proc, master)
        threading.Thread(target=term._read, daemon=True, name="pty-reader").start()
        return term

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 1 << 16)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.chunks.append((time.perf_counter(), data))

    def output(self) -> bytes:
        with self.lock:
            return b"".join(data for _, data in self.chunks)

    def since(self, t0: float) -> list[tuple[float, bytes]]:
        with self.lock:
            return [(t, d) for t, d in self.chunks if t >= t0]

    def wait_quiet(self, quiet: float, limit: float) -> float:
        """Until no byte came for ``quiet`` seconds (or ``limit`` passed): when the last came."""
        start = time.perf_counter()
        while True:
            with self.lock:
                last = self.chunks[-1][0] if self.chunks else start
            now = time.perf_counter()
            if now - max(last, start) >= quiet or now - start > limit:
                return last
            time.sleep(0.01)

    def press(self, key: str, quiet: float, limit: float = 30.0) -> tuple[float, float] | None:
        """Type one key; (ms to the first byte of the answer, ms to its last), or None when
        the app wrote nothing back."""
        self.wait_quiet(quiet, limit)  # nothing of the previous key still arriving
        t0 = time.perf_counter()
        if self.trace:
            print(f"key {key} sent at {t0:.4f} (perf_counter)")
        os.write(self.master, KEYS.get(key, key.encode()))
        self.wait_quiet(quiet, limit)
        answer = self.since(t0)
        if not answer:
            return None
        if self.trace:
            print(f"  ms, bytes: {[(round(1000 * (t - t0), 1), len(d)) for t, d in answer]}")
        return 1000 * (answer[0][0] - t0), 1000 * (answer[-1][0] - t0)

    def close(self) -> None:
        try:
            os.write(self.master, b"q")
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


def screen_text(data: bytes, cols: int, rows: int) -> str:
    """The screen the bytes draw (pyte), or their text without escapes if pyte is absent."""
    try:
        import pyte  # type: ignore[import-untyped]
    except ImportError:
        return ANSI.sub(b"", data).decode(errors="replace")[-4000:]
    screen = pyte.Screen(cols, rows)
    pyte.ByteStream(screen).feed(data)
    return "\n".join(line.rstrip() for line in screen.display)


def most_held_id(path: str) -> str:
    """The id of the object with the most retainer slots (a separate process: its memory is
    given back before the TUI loads the file)."""
    code = ("import sys, numpy as np\n"
            f"sys.path.insert(0, {str(ROOT)!r})\n"
            "from leaktui.snapshot import load_snapshot\n"
            f"s = load_snapshot({path!r})\n"
            "held = int(np.argmax(np.diff(s.first_retainer.astype(np.int64))))\n"
            "print(int(s.node_id[held]))\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True)
    return out.stdout.strip().splitlines()[-1]


def run_once(args: argparse.Namespace, cols: int, rows: int, goto: str | None,
             results: dict[str, list[tuple[float, float]]]) -> None:
    app = [args.launcher] if args.launcher else ["-m", "leaktui.cli"]
    term = Terminal.start([sys.executable, *app, args.snapshot], cols, rows)
    term.trace = args.trace
    try:
        started = time.perf_counter()
        while not LOADED.search(ANSI.sub(b"", term.output())):
            if term.proc.poll() is not None or time.perf_counter() - started > args.load_limit:
                print(screen_text(term.output(), cols, rows))
                raise SystemExit("the app ended or did not load in time")
            time.sleep(0.1)
        term.wait_quiet(1.0, 60.0)
        print(f"loaded (with the leak suspects) in {time.perf_counter() - started:.1f} s")
        term.press("1", args.quiet)

        def step(label: str, key: str, times: int = 1, quiet: float = args.quiet) -> None:
            for _ in range(times):
                answer = term.press(key, quiet)
                if answer is None:
                    print(f"  {label}: no answer on screen")
                    continue
                results.setdefault(label, []).append(answer)
            if args.show:
                print(f"--- after {label}\n{screen_text(term.output(), cols, rows)}")

        step("down: highlight the next class (its instances listed)", "down", 3)
        step("enter: the class's instances, largest previewed", "enter")
        step("down: preview the next instance", "down")
        step("enter: open it (retainers, path to a root)", "enter")
        step("e: the nearest retainers up to a root", "e")
        step("tab: the next pane", "tab", 2)
        step("shift+tab: the pane before", "shift+tab", 2)
        for _ in range(3):  # back on the class table, wherever the focus was
            if "╔═ Classes" in screen_text(term.output(), cols, rows):
                break
            term.press("tab", args.quiet)
        step("s: sort the classes by the next column", "s", 5)
        step("/: the filter prompt opens", "slash")
        for letter in "ses":
            step("a filter keystroke", letter)
        step("escape: the filter closed", "escape")
        if goto:
            step("g: the go-to prompt opens", "g")
            for digit in goto:
                step("a digit typed in it", digit)
            step(f"enter: go to @{goto}", "enter", quiet=args.worker_quiet)
    finally:
        term.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot")
    parser.add_argument("--size", default="160x50", help="terminal size, e.g. 80x24")
    parser.add_argument("--runs", type=int, default=1, help="times the app is started")
    parser.add_argument("--goto", metavar="ID", help="an object id to go to with g")
    parser.add_argument("--most-held", action="store_true",
                        help="go to the object with the most retainer slots")
    parser.add_argument("--quiet", type=float, default=0.3,
                        help="seconds without output that end a key's answer")
    parser.add_argument("--worker-quiet", type=float, default=1.5,
                        help="the same for the go-to's enter (worker threads may answer)")
    parser.add_argument("--load-limit", type=float, default=900.0)
    parser.add_argument("--show", action="store_true", help="print the screen after each step")
    parser.add_argument("--trace", action="store_true",
                        help="print when each key was sent and the chunks of its answer")
    parser.add_argument("--launcher", metavar="SCRIPT",
                        help="run the app as `python SCRIPT SNAPSHOT` instead of `python -m "
                             "leaktui.cli SNAPSHOT` (another checkout, or the app with probes)")
    args = parser.parse_args()
    cols, rows = (int(x) for x in args.size.lower().split("x"))
    goto = args.goto or (most_held_id(args.snapshot) if args.most_held else None)
    results: dict[str, list[tuple[float, float]]] = {}
    for _ in range(args.runs):
        run_once(args, cols, rows, goto, results)
    load = os.getloadavg()
    print(f"{Path(args.snapshot).name}, {cols}x{rows}, {args.runs} run(s), load average "
          f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; ms from the key to the answer's "
          "first byte / last byte (median, max over presses)")
    worst = 0.0
    for label, answers in results.items():
        firsts, lasts = [a for a, _ in answers], [b for _, b in answers]
        print(f"  {label:58} {statistics.median(firsts):7.1f} / {statistics.median(lasts):7.1f}"
              f"   max {max(lasts):7.1f}   ({len(answers)} presses)")
        if not label.startswith("enter: go to"):
            worst = max(worst, max(lasts))
    print(f"slowest answer of any key but the go-to's enter: {worst:.1f} ms")


if __name__ == "__main__":
    main()
