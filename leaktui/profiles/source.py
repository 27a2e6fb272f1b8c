"""Source lines around an allocation site or a constructor, when the script is readable on
this host (shared by the profile view and the Object pane).

Scripts are named as V8 names them: an absolute path (CommonJS), a `file://` URL (ES
modules), or something with no file behind it (`node:internal/...`, `evalmachine.<anonymous>`,
`[eval]`, `https://...`): those give None. Reading stops at the last line wanted and after
`MAX_READ_BYTES`, so a huge or endless file costs little; nothing here raises for a file that
cannot be read."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

MAX_READ_BYTES = 8 * 1024 * 1024  # never read more of a script than this
MAX_LINE_CHARS = 400  # longer lines (minified code) are cut around the column of interest
ELLIPSIS = "…"
# C0 and C1 control characters (tab aside) would drive the terminal: shown as U+FFFD.
_CONTROLS = {c: "\ufffd" for c in (*range(0x00, 0x09), *range(0x0a, 0x20), 0x7f,
                                   *range(0x80, 0xa0))}


@dataclass(frozen=True)
class SourceExcerpt:
    path: str  # the file read
    first_line: int  # 1-based number of lines[0]
    lines: tuple[str, ...]  # no line endings, control characters replaced, long lines cut
    focus: int  # 1-based number of the line of interest

    @property
    def last_line(self) -> int:
        return self.first_line + len(self.lines) - 1

    @property
    def focus_text(self) -> str:
        return self.lines[self.focus - self.first_line]

    def numbered(self) -> list[tuple[int, str]]:
        """(1-based line number, text) pairs."""
        return [(self.first_line + i, text) for i, text in enumerate(self.lines)]


def script_path(script: str) -> str | None:
    """A local filesystem path for a script name (`/abs/path.js`, `file:///abs/path.mjs`),
    else None."""
    if script.startswith("file:"):
        url = urlparse(script)
        if url.netloc not in ("", "localhost"):
            return None
        path = unquote(url.path)
        return path if os.path.isabs(path) else None
    if os.path.isabs(script):
        return script
    return None


def read_source_lines(script: str, line: int, context: int = 5,
                      column: int = 0) -> SourceExcerpt | None:
    """Lines ``line - context`` .. ``line + context`` (1-based, clipped to the file) of a
    script readable on this host; None when the script is not a local regular file, cannot
    be read, or has no line ``line``. ``column`` (1-based, 0 unknown) picks the part of an
    overlong line to keep."""
    path = script_path(script)
    if path is None or line < 1:
        return None
    context = max(context, 0)
    first = max(1, line - context)
    raw = _read_lines(path, line + context)
    if raw is None or len(raw) < line:
        return None
    lines = tuple(_clean(text, column if number == line else 0)
                  for number, text in enumerate(raw[first - 1:], start=first))
    return SourceExcerpt(path, first, lines, line)


def _read_lines(path: str, last: int) -> list[bytes] | None:
    """Up to ``last`` lines of a regular file (fewer at its end or at the byte budget)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # no FIFOs or devices: they can block
            return None
        out: list[bytes] = []
        budget = MAX_READ_BYTES
        with os.fdopen(fd, "rb", closefd=False) as f:
            while len(out) < last and budget > 0:
                piece = f.readline(budget)
                if not piece:
                    break
                budget -= len(piece)
                if not piece.endswith(b"\n") and budget <= 0:
                    break  # a line cut by the budget is not a whole line
                out.append(piece.rstrip(b"\r\n"))
        return out
    except OSError:
        return None
    finally:
        os.close(fd)


def _clean(raw: bytes, column: int) -> str:
    text = raw.decode("utf-8", "replace").translate(_CONTROLS)
    if len(text) <= MAX_LINE_CHARS:
        return text
    keep = MAX_LINE_CHARS - 2 * len(ELLIPSIS)
    start = 0 if column <= 0 else max(0, min(column - 1 - keep // 2, len(text) - keep))
    head = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if start + keep < len(text) else ""
    return head + text[start:start + keep] + tail
