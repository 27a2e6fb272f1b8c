"""Text from the heap or from people, made to fit one line: the one `one_line` (escapes
control characters: a heap string shown as it is) and the one `flat` (joins whitespace: a note,
a title, an error message)."""

from __future__ import annotations


def one_line(text: str, width: int) -> str:
    """``text`` on one line: control and other unprintable characters escaped (\\n, \\t,
    \\x07, \\u2028), cut to ``width`` with an ellipsis."""
    out = []
    for ch in text:
        if ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 or 0xD800 <= ord(ch) < 0xE000:
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
        elif not ch.isprintable():
            out.append(ascii(ch)[1:-1])
        else:
            out.append(ch)
    flat_text = "".join(out)
    return flat_text if len(flat_text) <= width else flat_text[:width - 1] + "…"


def flat(text: object, width: int | None = None) -> str:
    """``text`` (or an exception's message) with its runs of whitespace, newlines included,
    as one space; cut to ``width`` when given."""
    joined = " ".join(str(text).split())
    return joined if width is None else joined[:width]
