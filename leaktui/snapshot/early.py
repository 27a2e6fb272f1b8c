"""A snapshot's nodes and edges parsed while the command is still importing its modules.

A command starts with ~0.1 s of imports (numpy, msgspec, the analyses) on one core while the
other is idle, then reads the file on both. `start(path)`, called before those imports, maps
the file and parses its `nodes` and then `edges` arrays on a second thread with the compiled
scanner (which needs no numpy), a chunk at a time, into memory of its own. The loader, when it
reaches those arrays, `take`s what was parsed: the thread stops at the end of its chunk, and
the loader goes on from where it stopped, on both cores, as if it had parsed that part itself.

Nothing here decides what the file holds: the header's counts are read with a pattern only
to size the arrays, and the loader uses a parsed array only when its own reading of the
header agrees (the same fields and counts, the array at the same place). Whatever goes wrong
here (a gzip file, an unusual layout, a bad byte, a file being written) only means the loader
parses that part itself and reports it as it always does. Only a heap of fewer than
EARLY_MAX_NODES nodes is read early (one that has memory to spare: these arrays are mapped
apart from numpy's recycled pages).
"""

from __future__ import annotations

import mmap
import os
import re
import stat
import threading

from leaktui.snapshot import scan

EARLY_MAX_NODES = 4_000_000
CHUNK = 4 << 20  # the thread looks for `take` between chunks: the loader waits at most one
HEAD = 1 << 16  # the header (meta, counts) is in the first bytes V8 writes
_SEPARATORS = b" \t\r\n"


class Section:
    """One array parsed (or being parsed) early: ``fields`` rows of ``rows`` uint32 values
    (``rows`` with the loader's padding), ``count`` values written so far, ``pos`` where the
    scanner stopped, ``start`` the offset of its opening bracket; ``done`` once its closing
    bracket was read. (Plain classes here, not dataclasses: importing `dataclasses` would
    delay the start of the parse by its ~10 ms.)"""

    __slots__ = ("count", "count_announced", "done", "fields", "memory", "name", "pos",
                 "rows", "start")

    def __init__(self, name: str, fields: int, count_announced: int, rows: int, start: int,
                 memory: mmap.mmap) -> None:
        self.name = name
        self.fields = fields
        self.count_announced = count_announced
        self.rows = rows
        self.start = start
        self.memory = memory
        self.pos = -1
        self.count = 0
        self.done = False


class EarlyRead:
    """The early read of one file: its identity when started, its sections, and the flag its
    thread reads (without the GIL) between chunks to stop."""

    __slots__ = ("_thread", "identity", "limit", "path", "sections", "stop_flag")

    def __init__(self, path: str, identity: tuple[int, int, int, int]) -> None:
        self.path = path
        self.identity = identity
        self.sections: dict[str, Section] = {}
        self.stop_flag = bytearray(1)
        self.limit = -1  # read no further than this offset (tests stop it where they choose)
        self._thread: threading.Thread | None = None

    def stop(self) -> None:
        """Ask the thread to stop after its chunk, and wait for it."""
        self.stop_flag[0] = 1
        if self._thread is not None:
            self._thread.join()


_started: dict[str, EarlyRead] = {}
_lock = threading.Lock()


def start(path: str) -> None:
    """Start reading ``path``'s nodes and edges early (see the module); never raises."""
    try:
        read = _prepare(path)
    except (OSError, ValueError, OverflowError):
        return
    if read is None:
        return
    with _lock:  # started before it is published: `take` always has a thread to stop
        if path in _started:
            return
        read._thread = threading.Thread(target=_run, args=(read,), name="leaktui-early",
                                        daemon=True)
        read._thread.start()
        _started[path] = read


def take(path: str, identity: tuple[int, int, int, int]) -> EarlyRead | None:
    """The early read of ``path`` (stopped), if one was started for the same file (device,
    inode, size, modification time: not a file put in its place or rewritten since); it is
    given once."""
    with _lock:
        read = _started.pop(path, None)
    if read is None:
        return None
    read.stop()
    return read if read.identity == identity else None


def identity_of(fd: int) -> tuple[int, int, int, int]:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _prepare(path: str) -> EarlyRead | None:
    """The arrays' memory and where they start, or None where the file is not read early."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        return None  # a pipe's bytes are the loader's: reading its head would take them
    with open(path, "rb") as f:
        identity = identity_of(f.fileno())
        head = f.read(HEAD)
    if not head.startswith(b'{"snapshot":'):
        return None  # gzip, another layout or no snapshot: the loader's own
    status, end, _, _, _ = scan.scan_value_extent(head, len(b'{"snapshot":'), 0, False, False)
    if status != scan.DONE:
        return None
    header = head[:end].decode("latin-1")

    def number(key: str) -> int:
        m = re.search(rf'"{key}":(\d+)', header)
        if m is None:
            raise ValueError(key)
        return int(m.group(1))

    def fields(key: str) -> int:
        m = re.search(rf'"{key}":\[([^\]]*)\]', header)
        if m is None:
            raise ValueError(key)
        return len(re.findall(r'"[^"]*"', m.group(1)))

    node_count, edge_count = number("node_count"), number("edge_count")
    node_fields, edge_fields = fields("node_fields"), fields("edge_fields")
    if not 0 < node_count < EARLY_MAX_NODES or not node_fields or not edge_fields:
        return None
    nodes_at = _array_start(head, end, "nodes")
    if nodes_at < 0:
        return None
    read = EarlyRead(path, identity)
    read.sections["nodes"] = Section("nodes", node_fields, node_count, node_count + 1,
                                     nodes_at, _private(4 * node_fields * (node_count + 1)))
    if edge_count:
        read.sections["edges"] = Section("edges", edge_fields, edge_count, edge_count, -1,
                                         _private(4 * edge_fields * edge_count))
    return read


def _private(size: int) -> mmap.mmap:
    """Anonymous memory of this process alone: `mmap.mmap(-1, n)` maps shared memory
    (shmem), whose pages cost more to fault in and to free."""
    return mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE)


def _array_start(buf: bytes | mmap.mmap, at: int, key: str) -> int:
    """Offset of the `[` of ``"key":[`` after a `,` at ``at`` (blanks allowed), else -1."""
    limit = min(len(buf), at + 4096)

    def skip(i: int) -> int:
        while i < limit and buf[i] in _SEPARATORS:
            i += 1
        return i

    i = skip(at)
    if i >= limit or buf[i] != ord(","):
        return -1
    i = skip(i + 1)
    word = f'"{key}"'.encode()
    if buf[i:i + len(word)] != word:
        return -1
    i = skip(i + len(word))
    if i >= limit or buf[i] != ord(":"):
        return -1
    i = skip(i + 1)
    return i if i < limit and buf[i] == ord("[") else -1


def _run(read: EarlyRead) -> None:
    try:
        with open(read.path, "rb") as f:
            if identity_of(f.fileno()) != read.identity:
                return
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            try:
                _parse(read, mapped, f.fileno())
            finally:
                mapped.close()
    except (OSError, ValueError, BufferError):
        return  # the loader parses what is left


def _parse(read: EarlyRead, mapped: mmap.mmap, fd: int) -> None:
    with memoryview(mapped) as whole:
        for name in ("nodes", "edges"):
            section = read.sections.get(name)
            if section is None:
                return
            if section.start < 0:  # the edges follow the nodes' closing bracket
                section.start = _array_start(mapped, read.sections["nodes"].pos, name)
                if section.start < 0:
                    return
            with memoryview(section.memory) as raw, \
                    raw.cast("I", (section.fields, section.rows)) as out:
                status, section.pos, section.count = scan.scan_mapped_array(
                    whole, section.start + 1, out, 0, read.stop_flag, fd, CHUNK, read.limit)
            if status != scan.DONE:
                return  # stopped, or a problem the loader finds there and reports
            section.done = True
