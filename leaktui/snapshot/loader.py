"""Read a `.heapsnapshot` (plain or gzip) into flat numpy arrays, streaming, with clear errors.

The file is read in chunks; `nodes` and `edges` are parsed by a compiled digit scanner straight
into preallocated uint32 columns, each large chunk in two halves on two cores; `snapshot` (the
header), `strings` and `trace_tree` are decoded with msgspec. Anything wrong raises one
`SnapshotError` naming the file and the problem; nothing half-loaded is returned.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import mmap
import os
import stat
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import msgspec
import numpy as np

from leaktui.errors import SnapshotError
from leaktui.snapshot import early, scan
from leaktui.snapshot._memory import no_huge_page_advice
from leaktui.snapshot._threads import Beside
from leaktui.snapshot.format import Header, Layout, read_layout
from leaktui.snapshot.strings import StringTable

ProgressCallback = Callable[[str, float], None]
"""Called with (phase, fraction done in 0..1)."""

CHUNK = 16 * 1024 * 1024
PARALLEL_MIN_BYTES = 1 << 20  # a chunk this large is parsed in two halves at once
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
GZIP_MAGIC = b"\x1f\x8b"
MAX_NODES = 1 << 31  # node ordinals are int32 in places (distances, paths): refused at the header
_WS = b" \t\r\n"


@dataclass
class RawSnapshot:
    """What the file holds, validated, before any analysis."""

    path: str
    header: Header
    layout: Layout
    nodes: np.ndarray  # uint32 (node_fields, node_count): one contiguous row per field
    edges: np.ndarray  # uint32 (edge_fields, edge_count); the to_node row holds ordinals
    strings: StringTable
    locations: np.ndarray | None = None  # uint32 (location_fields, count)
    trace_function_infos: np.ndarray | None = None  # flat uint32
    trace_tree: list[Any] | None = None
    samples: np.ndarray | None = None  # flat uint32
    file_size: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    # (problem, edge, largest name index) of the edges, checked on a second thread while the
    # rest of the file was read (no bound on names then: the string table came later).
    edge_check: tuple[int, int, int] | None = None


class _Reader:
    """A byte buffer over a stream, refilled chunk by chunk."""

    def __init__(self, stream: BinaryIO, raw: BinaryIO, total: int,
                 progress: ProgressCallback | None) -> None:
        self.stream = stream
        self.raw = raw
        self.total = max(total, 1)
        self.progress = progress
        # One buffer reused for every chunk (no fresh memory per chunk): the unread tail of
        # the previous chunk moves to the front, the next chunk is read in behind it. A plain
        # file smaller than a chunk gets a buffer its size (not 16 MB zero-filled).
        self.chunk = CHUNK if stream is not raw else max(min(CHUNK, total + 1), 4096)
        self.end = 0
        self.pos = 0
        self.eof = False
        self.phase = "reading"
        self.data = self._storage()
        self.buf = np.frombuffer(self.data, dtype=np.uint8)[:0]

    def _storage(self) -> bytearray | mmap.mmap:
        """What the bytes are read from: here one reused buffer."""
        return bytearray(self.chunk + 65536)

    def fill(self) -> bool:
        """Append the next chunk to what is left unread; False at end of input."""
        if self.eof:
            return False
        left = self.end - self.pos
        if left + self.chunk > len(self.data):  # a very long token: grow (rare)
            grown = bytearray(left + self.chunk + 65536)
            grown[:left] = self.data[self.pos:self.end]
            self.data = grown
        elif left:
            self.data[:left] = self.data[self.pos:self.end]
        with memoryview(self.data) as view:
            n = self.stream.readinto(view[left:left + self.chunk])  # type: ignore[attr-defined]
        self.pos = 0
        self.end = left + (n or 0)
        self.buf = np.frombuffer(self.data, dtype=np.uint8)[:self.end]
        if not n:
            self.eof = True
            return False
        if self.progress is not None:
            try:
                done = self.raw.tell() / self.total
            except (OSError, ValueError):
                done = 0.0
            self.progress(self.phase, min(done, 1.0))
        return True

    def _bytes(self, start: int, stop: int) -> bytes:
        """A copy of ``data[start:stop]``, made once (slicing the bytearray first would copy
        it twice: the strings section of a 1 GB snapshot is ~100 MB)."""
        with memoryview(self.data) as view:
            return bytes(view[start:stop])

    def peek(self) -> int:
        """Next non-blank byte (not consumed), or -1 at end of input."""
        while True:
            while self.pos < self.end and self.data[self.pos] in _WS:
                self.pos += 1
            if self.pos < self.end:
                return self.data[self.pos]
            if not self.fill():
                return -1

    def expect(self, byte: bytes, where: str) -> None:
        c = self.peek()
        if c != byte[0]:
            found = "end of file" if c < 0 else repr(chr(c))
            raise ValueError(f"expected {byte.decode()!r} {where}, found {found}")
        self.pos += 1

    def read_key(self) -> str:
        self.expect(b'"', "at the start of a key")
        while True:
            end = self.data.find(b'"', self.pos, self.end)
            if end >= 0:
                key = self._bytes(self.pos, end).decode("utf-8", "replace")
                self.pos = end + 1
                return key
            if not self.fill():
                raise ValueError("file ends inside a key")

    def read_value_bytes(self, what: str) -> bytes:
        """The raw bytes of one JSON value (object, array, string or scalar)."""
        c = self.peek()
        if c < 0:
            raise ValueError(f"file ends before {what}")
        if c not in b'{["':
            while True:
                end = scan.scan_scalar_extent(self.buf, self.pos)
                if end >= 0:
                    value = self._bytes(self.pos, end)
                    self.pos = end
                    return value
                if not self.fill():
                    value = self._bytes(self.pos, self.end)
                    self.pos = self.end
                    return value
        return self._bracketed_value(what)

    def _bracketed_value(self, what: str) -> bytes:
        """The raw bytes of the object, array or string at the reader (its first byte is
        there), gathered chunk by chunk."""
        pieces: list[bytes] = []
        depth, in_string, escaped = 0, False, False
        while True:
            status, end, depth, in_string, escaped = scan.scan_value_extent(
                self.buf, self.pos, depth, in_string, escaped)
            if status == scan.DONE:
                pieces.append(self._bytes(self.pos, end))
                self.pos = end
                return b"".join(pieces)
            if status != scan.NEED_MORE:
                raise ValueError(f"unbalanced brackets in {what}")
            pieces.append(self._bytes(self.pos, self.end))
            self.pos = self.end
            if not self.fill():
                raise ValueError(f"file ends inside {what} (truncated)")

    def read_uint_array(self, out: np.ndarray, what: str, count: int = 0,
                        opened: bool = False) -> int:
        """Parse a JSON array of non-negative integers into ``out``; returns the count.
        ``opened``: the reader is inside the array, its first ``count`` values in ``out``."""
        return self._scan_numbers(lambda _: out, what, f"{what} holds more values than the "
                                  f"header announces ({out.size:,})", count, opened)

    def _scan_numbers(self, room: Callable[[int], np.ndarray], what: str,
                      overflow: str, count: int = 0, opened: bool = False) -> int:
        """The JSON array of non-negative integers at the reader, parsed chunk by chunk into
        ``room(count)`` (the output, with room for what the buffer holds); the count, or one
        clear error (``overflow`` when the output is full). ``opened``: the reader is inside
        the array, ``count`` values read already."""
        if not opened:
            self.expect(b"[", f"at the start of {what}")
        while True:
            status, pos, count, extra = self._scan_chunk(room(count), count)
            self.pos = pos
            if status == scan.DONE:
                return count
            if status == scan.NEED_MORE:
                if not self.fill():
                    if self.eof and self.pos < self.end:
                        continue  # parse the last number with final=True
                    raise ValueError(f"file ends inside {what} (truncated after {count} values)")
                continue
            if status == scan.NEGATIVE:
                raise ValueError(f"negative number in {what} (value {count})")
            if status == scan.OVERFLOW:
                raise ValueError(overflow)
            if status == scan.TOO_BIG:
                raise ValueError(f"value {count} of {what} does not fit in 32 bits")
            raise ValueError(f"unexpected character {chr(extra)!r} in {what} (value {count})")

    def resume_uint_array(self, out: np.ndarray, what: str, pos: int, count: int,
                          done: bool) -> int:
        """`read_uint_array` of an array whose first ``count`` values are in ``out``
        already, read up to ``pos`` (past its closing bracket when ``done``)."""
        self.skip_to(pos)
        if done:
            return count
        return self.read_uint_array(out, what, count, opened=True)

    def skip_to(self, pos: int) -> None:
        """Move the reader to ``pos`` of the input, ahead of where it is."""
        raise NotImplementedError("only a mapped file is read ahead of its reader")

    def _scan_chunk(self, out: np.ndarray, count: int) -> tuple[int, int, int, int]:
        """Parse what the buffer holds. A large chunk is cut in two at a comma and its halves
        parsed at once on two cores, both straight into ``out``: the second half's values go
        where they would if the first half held one value per comma (scan_second_half
        counts them, and one comma fewer when the chunk starts at the comma after a value).
        If the first half's real count differs (numbers separated by blanks alone, or two
        commas in a row), the whole chunk is parsed again in one pass. The chunk that holds
        the array's end is cut in the middle of its numbers (split_point)."""
        lo, hi = self.pos, self.end
        cut = -1
        if hi - lo >= PARALLEL_MIN_BYTES and _CORES > 1:
            cut = scan.split_point(self.buf, lo, hi)
        if cut < 0:
            return scan.scan_uint_columns(self.buf, lo, self.eof, out, count)
        second = Beside(scan.scan_second_half, self.buf, lo, cut, hi, self.eof, out, count,
                        name="leaktui-scan")
        try:
            first = scan.scan_uint_columns(self.buf, lo, False, out, count, cut)
        finally:
            status2, pos2, count2, extra2, assumed = second.result()
        if first[0] != scan.NEED_MORE or first[1] != cut:
            return first  # the array ended, or something was wrong, in the first half
        if first[2] != assumed:
            return scan.scan_uint_columns(self.buf, lo, self.eof, out, count)
        return status2, pos2, count2, extra2

    def read_uint_list(self, what: str, fields: int = 1) -> np.ndarray:
        """An array of non-negative integers of unknown length (``locations``, ``samples``,
        ``trace_function_infos``), parsed by the same compiled scanner as ``nodes``, into
        ``fields`` contiguous uint32 rows (value k in row k % fields; a flat array when
        ``fields`` is 1). Before each chunk the output grows to hold every number the
        buffered bytes can hold (at most one per two bytes), so the scanner never runs out of
        room."""
        values = np.empty((fields, 0), dtype=np.uint32)

        def room(count: int) -> np.ndarray:
            nonlocal values
            need = (count + (self.end - self.pos) // 2 + 2) // fields + 1
            if values.shape[1] < need:
                grown = np.empty((fields, max(need, 2 * values.shape[1])), dtype=np.uint32)
                used = -(-count // fields)  # only the part written so far: untouched pages
                grown[:, :used] = values[:, :used]  # of the old array are never faulted in
                values = grown
            return values

        # room() leaves room for every value: the overflow error cannot happen.
        count = self._scan_numbers(room, what, f"{what}: more values than room was made for")
        if count % fields:
            raise ValueError(f"{what} length is not a multiple of {fields} fields")
        rows = np.ascontiguousarray(values[:, :count // fields])
        return rows[0] if fields == 1 else rows


class _MappedReader(_Reader):
    """The same reader over a plain file mapped into memory: the scanners read the file's
    pages where they are (no copy into a buffer, which on a 1 GB snapshot was a sixth of the
    reading thread's time while the second core waited), and a value spanning chunks is
    copied once. "Filling" moves the end of the window one chunk further, asks the kernel to
    read the next chunk ahead, and unmaps the pages already parsed, so the file adds about a
    chunk to the resident memory, not its size."""

    def __init__(self, raw: BinaryIO, total: int, progress: ProgressCallback | None) -> None:
        super().__init__(raw, raw, total, progress)
        self.size = len(self.map)
        self.whole = np.frombuffer(self.map, dtype=np.uint8)
        self.released = 0  # pages before this offset are unmapped again

    def _storage(self) -> mmap.mmap:
        self.map = mmap.mmap(self.raw.fileno(), 0, access=mmap.ACCESS_READ)
        return self.map

    def fill(self) -> bool:
        if self.end >= self.size:
            self.eof = True
            return False
        end = min(self.end + self.chunk, self.size)
        # A file cut short after it was mapped (a snapshot still being written, or replaced)
        # would end the process with SIGBUS at the first page past its new end: its size is
        # checked before each window is read.
        now = os.fstat(self.raw.fileno()).st_size
        if now < end:
            raise ValueError(f"the file shrank to {now:,} bytes while it was read "
                             f"(truncated; it held {self.size:,})")
        self.end = end
        self.buf = self.whole[:self.end]
        ahead = min(self.chunk, self.size - self.end)
        if ahead and _ADVICE:
            self.map.madvise(mmap.MADV_WILLNEED, self.end & ~(mmap.PAGESIZE - 1), ahead)
        done = self.pos & ~(mmap.PAGESIZE - 1)
        if done > self.released and _ADVICE:
            self.map.madvise(mmap.MADV_DONTNEED, self.released, done - self.released)
            self.released = done
        if self.progress is not None:
            self.progress(self.phase, self.end / self.size)
        return True

    def skip_to(self, pos: int) -> None:
        # The window ends at ``pos`` (nothing past it read yet): the next `fill` maps from
        # there, checks the file's size and lets go of the pages before it.
        self.pos = pos
        if self.end < pos:
            self.end = pos
            self.buf = self.whole[:self.end]

    def _bracketed_value(self, what: str) -> bytes:
        start, at = self.pos, self.pos
        depth, in_string, escaped = 0, False, False
        while True:
            status, end, depth, in_string, escaped = scan.scan_value_extent(
                self.buf, at, depth, in_string, escaped)
            if status == scan.DONE:
                self.pos = end
                return self._bytes(start, end)
            if status != scan.NEED_MORE:
                raise ValueError(f"unbalanced brackets in {what}")
            at = self.end
            if not self.fill():
                raise ValueError(f"file ends inside {what} (truncated)")

    def close(self) -> None:
        """Unmap the file (the arrays over it are let go first)."""
        self.buf = self.whole = np.zeros(0, dtype=np.uint8)
        self.data = bytearray()
        with contextlib.suppress(BufferError):  # a view still held: unmapped when it goes
            self.map.close()


_ADVICE = hasattr(mmap.mmap, "madvise") and hasattr(mmap, "MADV_DONTNEED") and \
    hasattr(mmap, "MADV_WILLNEED")


def _reader(stream: BinaryIO, raw: BinaryIO, size: int,
            progress: ProgressCallback | None) -> _Reader:
    """A mapped reader for a plain, non-empty file that can be mapped; else a buffered one
    (gzip, pipes, special files)."""
    if stream is raw and size > 0:
        try:
            return _MappedReader(raw, size, progress)
        except (OSError, ValueError):
            pass
    return _Reader(stream, raw, size, progress)


def _open(path: str) -> tuple[BinaryIO, BinaryIO, int]:
    """(stream to read, raw file for progress, raw size). Gzip is detected by its magic bytes."""
    if os.path.isdir(path):
        raise SnapshotError(path, "is a directory, not a heap snapshot")
    with contextlib.suppress(OSError):  # a missing or unreadable path: said by open below
        if not stat.S_ISREG(os.stat(path).st_mode):
            # A pipe (`<(zcat snap.gz)`) or a device: opening one waits for a writer, and the
            # reader maps or seeks the file.
            raise SnapshotError(path, "is a pipe or a device, not a file: save the snapshot "
                                "to a file and give its path")
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except FileNotFoundError:
        raise SnapshotError(path, "no such file") from None
    except PermissionError:
        raise SnapshotError(path, "permission denied") from None
    except OSError as exc:
        raise SnapshotError(path, f"cannot open: {exc.strerror or exc}") from None
    size = os.fstat(raw.fileno()).st_size
    magic = raw.read(2)
    raw.seek(0)
    if magic == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw, size  # type: ignore[return-value]
    return raw, raw, size


def _alloc(fields: int, rows: int, what: str) -> np.ndarray:
    """One contiguous uint32 row per field (rows freed after loading get reused)."""
    try:
        return np.empty((fields, rows), dtype=np.uint32)
    except (MemoryError, ValueError):
        raise ValueError(f"not enough memory for {what} ({fields * rows:,} values)") from None


MMAP_THRESHOLD = 1 << 20
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
# From this many nodes (a snapshot of ~300 MB) big frees go back to the system
# (return_big_frees_to_the_os). Below it the setting costs more than it saves: on 100 MB
# (1.5M nodes) every fresh 1 MiB+ array is then a new mapping faulted in page by page,
# which doubled the page faults (63k -> 129k) and made the report 1.07-1.20 s -> 1.34 s,
# while the temporaries it keeps out of the RSS are small there.
BIG_FREES_TO_THE_OS_NODES = 4_000_000


@functools.cache
def return_big_frees_to_the_os() -> bool:
    """Make glibc serve every allocation of 1 MiB or more with its own mapping, returned to
    the system when freed. By default the threshold rises after each large free (up to
    32 MiB), so the analysis's many 10-30 MB temporaries would come from the heap and stay in
    the process's RSS after use (about 60 MiB of peak on a 1 GB snapshot). Elsewhere (musl,
    macOS) nothing changes."""
    import ctypes  # here: most commands never load a snapshot

    try:
        libc = ctypes.CDLL(None)  # the process's own symbols: libc's where it is glibc
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (OSError, AttributeError):
        return False


def load_raw(path: str | os.PathLike[str], progress: ProgressCallback | None = None) -> RawSnapshot:
    """Read and validate a heap snapshot file. Raises SnapshotError on any problem."""
    no_huge_page_advice()
    spath = os.fspath(path)
    stream, raw, size = _open(spath)
    try:
        reader = _reader(stream, raw, size, progress)
        # What `early` parsed of this file while the command imported its modules.
        read_early = (early.take(spath, early.identity_of(raw.fileno()))
                      if isinstance(reader, _MappedReader) else None)
        try:
            result = _parse(spath, reader, read_early)
        finally:
            if isinstance(reader, _MappedReader):
                reader.close()
        result.file_size = size
    except SnapshotError:
        raise
    except (ValueError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise SnapshotError(spath, str(exc)) from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise SnapshotError(spath, f"corrupt gzip data ({exc})") from None
    except UnicodeDecodeError:
        raise SnapshotError(spath, "not UTF-8 text") from None
    except MemoryError:
        raise SnapshotError(spath, "not enough memory to load this snapshot") from None
    except OSError as exc:
        raise SnapshotError(spath, f"read error: {exc.strerror or exc}") from None
    finally:
        stream.close()
        raw.close()
    _validate(result)
    if progress is not None:
        progress("reading", 1.0)
    return result


def _parse(path: str, r: _Reader, read_early: early.EarlyRead | None = None) -> RawSnapshot:
    first = r.peek()
    if first < 0:
        raise ValueError("empty file")
    if first != ord("{"):
        raise ValueError("not a heap snapshot (does not start with a JSON object)")
    r.pos += 1
    out = RawSnapshot(path, None, None, None, None, None)  # type: ignore[arg-type]
    checks: list[Beside[tuple[int, int, int]]] = []
    try:
        _parse_sections(r, out, checks, read_early)
    finally:
        for check in checks:
            check.wait()
    if checks:
        out.edge_check = checks[-1].result()
    return out


_NO_NAME_BOUND = 1 << 62


def _check_edges(layout: Layout, edges: np.ndarray, node_count: int,
                 string_count: int) -> tuple[int, int, int]:
    numeric = np.asarray([t in ("element", "hidden") for t in layout.edge_type_names],
                         dtype=np.bool_)
    return scan.check_edges(edges[layout.edge_type], edges[layout.edge_name],
                            edges[layout.edge_to], layout.node_fields, node_count, string_count,
                            numeric)


def _parse_sections(r: _Reader, out: RawSnapshot,
                    checks: list[Beside[tuple[int, int, int]]],
                    read_early: early.EarlyRead | None = None) -> None:
    """The top-level object's sections into ``out``; once the edges are read (after the
    nodes), they are checked on a second thread (added to ``checks``) while the remaining
    sections are read."""
    header: Header | None = None
    layout: Layout | None = None
    nodes = edges = None
    strings: StringTable | None = None
    while True:
        c = r.peek()
        if c == ord("}"):
            r.pos += 1
            break
        if c < 0:
            raise ValueError("file ends before the closing brace (truncated)")
        key = r.read_key()
        r.expect(b":", f"after key {key!r}")
        if checks and key in ("snapshot", "nodes"):  # the edges were checked against them
            raise ValueError(f'a second "{key}" section after the edges')
        if key == "snapshot":
            raw_header = r.read_value_bytes("the snapshot header")
            try:
                header = msgspec.json.decode(raw_header, type=Header)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                raise ValueError(f"bad snapshot header: {exc}") from None
            if header.node_count >= MAX_NODES:
                raise ValueError(f"the header announces {header.node_count:,} nodes: leaktui "
                                 f"reads at most {MAX_NODES - 1:,} (2^31 - 1)")
            layout = read_layout(header)
            if header.node_count >= BIG_FREES_TO_THE_OS_NODES:
                return_big_frees_to_the_os()  # before the nodes' and edges' arrays are made
        elif key in ("nodes", "edges", "locations", "trace_function_infos", "samples"):
            if header is None or layout is None:
                if key in ("nodes", "edges"):
                    raise ValueError(f'"{key}" comes before the "snapshot" header')
                r.read_value_bytes(key)
                continue
            if key == "nodes":
                nodes = _read_matrix(r, "nodes", layout.node_fields, header.node_count, pad=1,
                                     started=_early_section(read_early, r, "nodes",
                                                            layout.node_fields,
                                                            header.node_count, 1))
            elif key == "edges":
                for check in checks:  # a second edges section: the last one is checked
                    check.wait()
                checks.clear()
                edges = _read_matrix(r, "edges", layout.edge_fields, header.edge_count,
                                     started=_early_section(read_early, r, "edges",
                                                            layout.edge_fields,
                                                            header.edge_count, 0))
                if nodes is not None and edges.shape[1]:
                    checks.append(Beside(_check_edges, layout, edges, nodes.shape[1],
                                         _NO_NAME_BOUND, name="leaktui-check"))
            elif key == "locations" and layout.location_fields:
                out.locations = r.read_uint_list("locations", layout.location_fields)
            elif key == "trace_function_infos":
                out.trace_function_infos = r.read_uint_list(key)
            elif key == "samples":
                out.samples = r.read_uint_list(key)
            else:
                r.read_value_bytes(key)
        elif key == "strings":
            r.phase = "reading strings"
            strings = StringTable(r.read_value_bytes("strings"))
        elif key == "trace_tree":
            try:
                out.trace_tree = msgspec.json.decode(r.read_value_bytes(key), type=list[Any])
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                raise ValueError(f"trace_tree is not an array ({exc})") from None
        else:
            r.read_value_bytes(repr(key))
        c = r.peek()
        if c == ord(","):
            r.pos += 1
        elif c != ord("}"):
            raise ValueError("file ends after a section (truncated)" if c < 0
                             else f"expected ',' or '}}' after {key!r}")
    if r.peek() >= 0:
        raise ValueError("unexpected data after the end of the snapshot")
    if header is None or layout is None:
        raise ValueError('not a heap snapshot (no "snapshot" header)')
    if nodes is None:
        raise ValueError('no "nodes" section')
    if edges is None:
        raise ValueError('no "edges" section')
    if strings is None:
        raise ValueError('no "strings" section')
    out.header, out.layout, out.strings = header, layout, strings
    out.nodes, out.edges = nodes, edges


def _read_matrix(r: _Reader, what: str, fields: int, count: int, pad: int = 0,
                 started: early.Section | None = None) -> np.ndarray:
    """`nodes` or `edges`: exactly ``count`` rows of ``fields`` values, as the header says.
    With ``pad``, each field's row has that many spare values at its end (the analysis
    reuses finished node rows as scratch arrays of N+1); the view returned hides them.
    ``started``: what `early` parsed of the array (its memory, and where to go on from)."""
    r.phase = f"reading {what}"
    if started is None:
        matrix = _alloc(fields, count + pad, what)[:, :count]
        n = r.read_uint_array(matrix, what)
    else:
        matrix = np.frombuffer(started.memory, dtype=np.uint32).reshape(
            fields, count + pad)[:, :count]
        n = r.resume_uint_array(matrix, what, started.pos, started.count, started.done)
    if n != fields * count:
        raise ValueError(f"{what} holds {n:,} values, the header announces {count:,} "
                         f"{what} × {fields} fields")
    return matrix


def _early_section(read_early: early.EarlyRead | None, r: _Reader, what: str, fields: int,
                   count: int, pad: int) -> early.Section | None:
    """The part of ``what`` that `early` parsed, when it parsed this very array: the same
    fields and count as the header the loader read, from the bracket the reader is at, and no
    more values than the header announces (else the loader parses it all itself)."""
    section = None if read_early is None else read_early.sections.get(what)
    if section is None or section.fields != fields or section.count_announced != count \
            or section.rows != count + pad or not 0 <= section.count <= fields * count \
            or section.pos <= section.start or r.peek() != ord("[") or r.pos != section.start:
        return None
    return section


def _validate(raw: RawSnapshot) -> None:
    """Cross-check the arrays: every index in range, counts consistent."""
    path, lay, nodes, edges = raw.path, raw.layout, raw.nodes, raw.edges
    n_nodes = len(nodes[0])
    n_strings = len(raw.strings)

    def fail(problem: str) -> None:
        raise SnapshotError(path, problem)

    if n_nodes == 0:
        fail("the snapshot has no nodes")
    n_edges = len(edges[0])
    total_edges = int(nodes[lay.node_edge_count].sum(dtype=np.int64))
    if total_edges != n_edges:
        fail(f"node edge counts add up to {total_edges:,}, the header announces "
             f"{n_edges:,} edges")
    if int(nodes[lay.node_type].max()) >= len(lay.node_type_names):
        fail("a node type is out of range of meta.node_types")
    if int(nodes[lay.node_name].max()) >= n_strings:
        bad = int(np.argmax(nodes[lay.node_name] >= n_strings))
        fail(f"node {bad} has a name index out of range ({n_strings:,} strings)")
    if n_edges:
        if raw.edge_check is None:
            problem, bad, _ = _check_edges(lay, edges, n_nodes, n_strings)
        else:  # checked while the strings were read: their count is known now
            problem, bad, top = raw.edge_check
            if top >= n_strings:  # the first named edge past the table, if before `bad`
                numeric = np.asarray([t in ("element", "hidden") for t in lay.edge_type_names],
                                     dtype=np.bool_)
                upto = bad if problem else n_edges
                named = ~numeric[edges[lay.edge_type][:upto]]
                past = np.flatnonzero(named & (edges[lay.edge_name][:upto] >= n_strings))
                if past.size:
                    problem, bad = 4, int(past[0])
        if problem == 1:
            fail(f"edge {bad} has a type out of range of meta.edge_types")
        if problem == 2:
            fail(f"edge {bad} points inside a node (to_node not a multiple of node fields)")
        if problem == 3:
            fail(f"edge {bad} points past the last node")
        if problem == 4:
            fail(f"edge {bad} has a name index out of range ({n_strings:,} strings)")
    root = raw.header.root_index
    if root is not None and (root % lay.node_fields or root // lay.node_fields >= n_nodes):
        fail("root_index is not a node")
    if raw.locations is not None and raw.locations.size:
        objs = raw.locations[lay.location_object]
        if np.any(objs % lay.node_fields) or int(objs.max()) // lay.node_fields >= n_nodes:
            fail("a location points outside the nodes")
