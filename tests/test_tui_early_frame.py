"""The loading frame `leaktui SNAPSHOT` draws before Textual is imported: on a real
pseudo-terminal, it appears where Textual's loading screen then draws, keys typed meanwhile
reach the app unechoed, and the terminal is left as it was after q, after a file that cannot
be opened, after an error before the app starts, and after Ctrl-C while Textual loads."""

from __future__ import annotations

import contextlib
import os
import re
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from leaktui.tui.early_frame import frame_text

termios = pytest.importorskip("termios")

SAMPLE = str(Path(__file__).resolve().parents[1] / "snapshots_sample" / "unbounded-cache"
             / "unbounded-cache-1.heapsnapshot.gz")
EARLY_END = b"q quits"  # the early frame's last text
TEXTUAL_STARTS = b"\x1b[?1000h"  # Textual turning mouse reports on (the early frame does not)
ALT_ON, ALT_OFF, CURSOR_ON = b"\x1b[?1049h", b"\x1b[?1049l", b"\x1b[?25h"

# Run by the child: holds the process while Textual would be imported (leaktui.tui.app), with
# the early frame on the screen, until the test types a key (left for the app to read) or
# Ctrl-C; the pseudo-terminal is made the child's controlling terminal so Ctrl-C is SIGINT,
# handled as in a process started from a shell (pytest-xdist's workers ignore SIGINT, and a
# child inherits that). Short selects in a loop: a SIGINT that lands just before a long
# blocking call would only be acted on when the call returns.
HOLD = """
import faulthandler, fcntl, select, signal, sys, termios, time
faulthandler.dump_traceback_later(40)  # stuck: where, on the screen the test reports
signal.signal(signal.SIGINT, signal.default_int_handler)
fcntl.ioctl(0, termios.TIOCSCTTY, 0)
class Hold:
    def find_spec(self, name, path=None, target=None):
        if name == "leaktui.tui.app":
            deadline = time.monotonic() + 120
            while not select.select([0], [], [], 0.05)[0] and time.monotonic() < deadline:
                pass
        return None
sys.meta_path.insert(0, Hold())
from leaktui.cli import main
sys.exit(main(sys.argv[1:]))
"""


@dataclass
class Run:
    status: int | None
    seen: bytes
    modes_before: list[object]
    modes_after: list[object]


def run_in_terminal(args: list[str], keys: bytes, wait_for: bytes, hold: bool = False,
                    size: tuple[int, int] = (80, 24), early: str | None = None) -> Run:
    """leaktui in a pseudo-terminal: waits for ``wait_for`` on the screen, types ``keys``,
    waits for the exit; the terminal's modes before and after."""
    import fcntl
    import struct

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    before = termios.tcgetattr(slave)
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("LEAKTUI_EARLY_FRAME", None)
    if early is not None:
        env["LEAKTUI_EARLY_FRAME"] = early
    command = [sys.executable, "-c", HOLD, *args] if hold else \
        [sys.executable, "-m", "leaktui.cli", *args]
    proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True)
    seen = b""

    def read_for(until: object, timeout: float, what: str) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while not until():  # type: ignore[operator]
            assert time.monotonic() < deadline, f"{what} within {timeout:g} s: {seen[-3000:]!r}"
            if select.select([master], [], [], 0.05)[0]:
                with contextlib.suppress(OSError):
                    seen += os.read(master, 65536)

    try:
        read_for(lambda: wait_for in seen, 60, f"{wait_for!r} on the screen")
        os.write(master, keys)
        read_for(lambda: proc.poll() is not None, 60, "the exit")
        while select.select([master], [], [], 0)[0]:  # what it wrote last
            chunk = os.read(master, 65536)
            if not chunk:
                break
            seen += chunk
        return Run(proc.poll(), seen, before, termios.tcgetattr(slave))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        os.close(slave)


def assert_terminal_restored(run: Run) -> None:
    assert run.modes_after == run.modes_before, "the terminal's modes were not restored"
    assert run.seen.rfind(ALT_OFF) > run.seen.rfind(ALT_ON) >= 0, run.seen[-300:]
    assert run.seen.rfind(CURSOR_ON) > run.seen.rfind(b"\x1b[?25l"), run.seen[-300:]


def textual_loading_line(seen: bytes) -> tuple[int, int, str]:
    """Row, column (1-based) and text of the "Loading" line of Textual's first frame."""
    frame = seen[seen.index(TEXTUAL_STARTS):].decode(errors="replace")
    for row, line in re.findall(r"\x1b\[(\d+);1H(.*?)\r\n", frame):
        plain = re.sub(r"\x1b\[[0-9;]*m", "", line)
        if "Loading" in plain:
            return int(row), plain.index("Loading") + 1, plain.strip()
    raise AssertionError(f"no Loading line in Textual's frame: {frame[:800]!r}")


def test_the_early_frame_is_replaced_by_textuals_own_and_a_key_typed_meanwhile_quits() -> None:
    run = run_in_terminal([SAMPLE], b"q", wait_for=EARLY_END, hold=True)
    assert run.status == 0, run.seen[-600:]
    seen = run.seen
    early = seen[:seen.index(EARLY_END) + len(EARLY_END)]
    assert b"leaktui  unbounded-cache-1.heapsnapshot.gz  loading" in early
    # The key typed on the early frame was not echoed: Textual's start follows the frame
    # directly, on the same alternate screen (not switched to, and cleared, a second time).
    assert seen.index(TEXTUAL_STARTS) == len(early), seen[len(early):len(early) + 200]
    assert seen.count(ALT_ON) == 1
    # "Loading…" drawn where Textual's loading screen draws it: on its row, and centred the
    # same (unless the loading thread's first progress, a longer line, is already shown).
    row, column = map(int, re.findall(rb"\x1b\[(\d+);(\d+)HLoading", early)[0])
    textual_row, textual_column, text = textual_loading_line(seen)
    assert row == textual_row
    assert column == textual_column or text != "Loading…", (column, textual_column, text)
    assert_terminal_restored(run)


def test_ctrl_c_while_textual_loads_restores_the_terminal_and_says_interrupted() -> None:
    run = run_in_terminal([SAMPLE], b"\x03", wait_for=EARLY_END, hold=True)
    assert run.status == 130, run.seen[-600:]
    assert TEXTUAL_STARTS not in run.seen
    assert_terminal_restored(run)
    assert run.seen.index(b"leaktui: interrupted") > run.seen.rfind(ALT_OFF)
    assert b"Traceback" not in run.seen


def test_an_error_before_the_app_starts_is_one_line_on_the_restored_terminal() -> None:
    run = run_in_terminal([SAMPLE, "--theme", "no-such-theme"], b"", wait_for=b"leaktui: ")
    assert run.status == 2, run.seen[-600:]
    assert EARLY_END in run.seen and TEXTUAL_STARTS not in run.seen
    assert_terminal_restored(run)
    message = run.seen[run.seen.rfind(ALT_OFF):]
    assert b"leaktui: no theme 'no-such-theme'" in message and b"Traceback" not in run.seen


def test_a_file_that_cannot_be_opened_is_said_in_the_app_then_q_restores_the_terminal(
        tmp_path: Path) -> None:
    bad = tmp_path / "broken.heapsnapshot"
    bad.write_text('{"snapshot": {"meta": ')
    run = run_in_terminal([str(bad)], b"q", wait_for=b"Cannot open")
    assert run.status == 2, run.seen[-600:]
    assert run.seen.index(EARLY_END) < run.seen.index(TEXTUAL_STARTS)
    assert_terminal_restored(run)
    assert b"broken.heapsnapshot" in run.seen[run.seen.rfind(ALT_OFF):]


def test_without_a_terminal_no_early_frame_is_drawn() -> None:
    """Piped (as textual-serve and scripts run it): nothing is written before Textual."""
    code = ("import sys\n"
            "from leaktui.tui.early_frame import draw\n"
            "print(draw(sys.argv[1:]) is None)\n")
    piped = subprocess.run([sys.executable, "-c", code, SAMPLE], capture_output=True,
                           text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert piped.stdout == "True\n", piped.stderr


def test_leaktui_early_frame_0_leaves_the_first_frame_to_textual() -> None:
    run = run_in_terminal([SAMPLE], b"q", wait_for=b"Loading", early="0")
    assert run.status == 0, run.seen[-600:]
    assert run.seen.startswith(ALT_ON + TEXTUAL_STARTS)  # nothing drawn before Textual
    assert_terminal_restored(run)


def test_file_names_cannot_write_escape_sequences_into_the_frame() -> None:
    text = frame_text(["/tmp/evil\x1b[2Jname\x07.heapsnapshot"], 80, 24)
    assert "\x1b[2Jname" not in text and "\x07" not in text and "evil?[2Jname?" in text


def test_a_long_header_is_cut_to_the_screen_width() -> None:
    text = frame_text([f"/tmp/{'x' * 300}.heapsnapshot"], 40, 10)
    header = re.search(r"\x1b\[1;2H([^\x1b]*)", text)
    assert header is not None and len(header.group(1)) == 38 and header.group(1).endswith("…")
