"""Telling a heap profile from a heap snapshot by a quick look, with nothing heavy imported
(the `open` command asks before the TUI's first frame)."""

from __future__ import annotations

import gzip
import os
import stat
import zlib

GZIP_MAGIC = b"\x1f\x8b"


def is_heap_profile(path: str) -> bool:
    """A quick look: a `.heapprofile` name, or JSON that starts with `{"head"` or
    `{"profile"` (plain or gzipped)."""
    if path.endswith((".heapprofile", ".heapprofile.gz")):
        return True
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False  # a pipe: opening it waits for a writer, reading takes its bytes
        with open(path, "rb") as f:
            start = f.read(2)
            if start == GZIP_MAGIC:
                f.seek(0)
                with gzip.GzipFile(fileobj=f) as g:
                    start = g.read(64)
            else:
                start += f.read(62)
    except (OSError, EOFError, zlib.error):
        return False
    return b"".join(start.split()).startswith((b'{"head"', b'{"profile"'))
