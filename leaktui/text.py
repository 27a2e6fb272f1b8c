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


def text_table(headers: list[str], rows: list[list[str]], markdown: bool) -> list[str]:
    """A table as lines: Markdown, or plain columns (the first left-aligned, the others
    right-aligned) for a terminal."""
    if markdown:
        lines = ["| " + " | ".join(headers) + " |",
                 "|" + "|".join("---" for _ in headers) + "|"]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
        return lines
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w)
                       for i, (h, w) in enumerate(zip(headers, widths, strict=True)))]
    for r in rows:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    return lines
