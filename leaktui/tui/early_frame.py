"""The loading frame drawn before Textual is imported.

Importing Textual and starting its app takes most of a quarter of a second; `leaktui
SNAPSHOT` first draws a plain frame itself: the alternate screen, the header line and
"Loading…" where Textual's loading screen puts them, nothing else. The terminal is put in
no-echo, unbuffered mode so keys typed meanwhile (q) wait for the app instead of being echoed
over the frame. Textual's own first frame then repaints every cell of the same alternate
screen (its driver is told not to switch to it again: a terminal may clear the screen on a
second switch, a blank flash). `EarlyFrame.close` restores the terminal's modes on every way
out, and leaves the alternate screen itself if Textual never took it over (an error or
Ctrl-C before the app started).

Drawn only on a real terminal (stdin and the output Textual will draw on are ttys), with
Textual's own Linux driver (no ``TEXTUAL_DRIVER``), and not when ``LEAKTUI_EARLY_FRAME=0``.
No Textual, Rich or numpy here: this module runs before any of them is imported.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

ALT_SCREEN_ON = "\x1b[?1049h"
_ENTER = ALT_SCREEN_ON + "\x1b[?25l\x1b[?7l\x1b[H\x1b[2J"  # hide cursor, no wrap, clear
_LEAVE = "\x1b[?7h\x1b[?25h\x1b[?1049l"  # wrap, cursor, main screen (what _ENTER changed)


def _printable(text: str) -> str:
    """File names are drawn raw: no control character (an escape sequence in a name) passes."""
    return "".join(c if c.isprintable() else "?" for c in text)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[:max(width - 1, 0)] + "…"


def frame_text(paths: Sequence[str], width: int, height: int) -> str:
    """The escape sequences that draw the frame on a ``width`` x ``height`` screen: the
    header on the first line, "Loading…" and the hint on the rows Textual's loading screen
    uses (the views below the header, padded 2 rows, the label, bar and hint centred)."""
    names = ", ".join(os.path.basename(p) for p in paths)
    header = _fit(_printable(f"leaktui  {names}  loading…"), max(width - 2, 0))
    views_top, views_height = 2, max(height - 2, 0)  # 1-based row; the key bar is the last
    inner = max(views_height - 4, 0)
    label_row = views_top + 2 + max((inner - 5) // 2, 0)
    out = [_ENTER, f"\x1b[1;2H{header}"]
    for row, text in ((label_row, "Loading…"), (label_row + 4, "q quits")):
        if row < height:
            out.append(f"\x1b[{row};{max((width - len(text)) // 2, 0) + 1}H{text}")
    return "".join(out)


class EarlyFrame:
    """The frame on the terminal ``fd`` (stdin's modes, before, in ``saved``)."""

    def __init__(self, fd: int, saved: list[Any]) -> None:
        self.fd, self.saved = fd, saved
        self.entered = False  # the alternate screen was (or is being) switched to
        self.handed_over = False  # Textual's driver has taken the alternate screen
        self.closed = False

    def close(self) -> None:
        """Restore the terminal (idempotent): its modes always; the main screen and the
        cursor only if Textual never took over (its driver leaves the screen itself)."""
        if self.closed:
            return
        self.closed = True
        import termios

        try:
            if self.entered and not self.handed_over:
                os.write(self.fd, _LEAVE.encode())
            termios.tcsetattr(0, termios.TCSADRAIN, self.saved)
        except (OSError, termios.error):  # the terminal is gone: nothing left to restore
            pass


def output_fd() -> int | None:
    """Where Textual will draw: stderr, or stdout when only it is the terminal (see
    `LeakApp.run`); None when neither is."""
    for fd in (2, 1):
        try:
            if os.isatty(fd):
                return fd
        except OSError:
            continue
    return None


_drawn: EarlyFrame | None = None


def draw(paths: Sequence[str]) -> EarlyFrame | None:
    """Draw the frame, or None where it must not be drawn (see the module's docstring).
    Call it inside the ``try`` whose ``finally`` calls `close`: the frame is known to
    `close` before the terminal is touched, so a Ctrl-C at any point leaves nothing behind."""
    global _drawn
    if os.environ.get("LEAKTUI_EARLY_FRAME") == "0" or os.environ.get("TEXTUAL_DRIVER"):
        return None
    if sys.platform == "win32" or os.environ.get("TERM", "dumb") in ("dumb", ""):
        return None
    import termios

    fd = output_fd()
    try:
        if fd is None or not os.isatty(0):
            return None
        saved = termios.tcgetattr(0)
        quiet = termios.tcgetattr(0)
        width, height = os.get_terminal_size(fd)
    except (OSError, termios.error):  # no usable terminal: Textual decides
        return None
    quiet[3] &= ~(termios.ECHO | termios.ICANON)  # lflags: keys wait, unechoed, for the app
    quiet[6][termios.VMIN], quiet[6][termios.VTIME] = 1, 0
    frame = _drawn = EarlyFrame(fd, saved)
    try:
        termios.tcsetattr(0, termios.TCSADRAIN, quiet)
        frame.entered = True
        os.write(fd, frame_text(paths, width, height).encode())
    except (OSError, termios.error):
        close()
        return None
    return frame


def close() -> None:
    """Restore the terminal if a frame was drawn (see `EarlyFrame.close`)."""
    if _drawn is not None:
        _drawn.close()
