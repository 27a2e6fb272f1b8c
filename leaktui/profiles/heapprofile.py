"""Sampling heap profiles: what `node --heap-prof` writes and what the inspector's
`HeapProfiler.stopSampling` returns (bare, or wrapped as `{"profile": {...}}`), plain or
gzipped. The call tree is flattened level by level into arrays; allocation sites come
bottom-up and each node's children top-down for a lazy tree.

Line and column numbers in the file are 0-based (-1 when unknown); everything here reports
them 1-based (0 when unknown), as an editor shows them. A callFrame's line is where its
function starts: V8 samples per function, not per statement.

Samples whose nodeId is not in the tree are not an error: Node collects the samples a moment
after the tree, so a real profile can name a node that the tree does not hold yet. They are
counted (``dangling_samples``) and left out; the sizes come from the tree's selfSize, as in
DevTools."""

from __future__ import annotations

import gc
import gzip
import os
import stat
import sys
import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

import msgspec
import numpy as np

from leaktui.errors import SnapshotError
from leaktui.profiles.sniff import GZIP_MAGIC
from leaktui.profiles.sniff import is_heap_profile as is_heap_profile  # where it was
from leaktui.snapshot._base import search_keys
from leaktui.snapshot._tree import (
    fold_into_ancestor,
    group_sums,
    level_sums,
    outermost,
    preorder_positions,
)
from leaktui.snapshot.sites import Frame, Site
from leaktui.text import flat

# A retry for call trees nested deeper than Python's recursion limit allows msgspec: a
# thread with this much stack, giving each nested JSON value this many bytes of it.
DEEP_STACK_BYTES = 1024**3
STACK_BYTES_PER_LEVEL = 1024

NonNegative = Annotated[int, msgspec.Meta(ge=0)]
LineOrUnknown = Annotated[int, msgspec.Meta(ge=-1)]


class CallFrame(msgspec.Struct, frozen=True, gc=False):
    functionName: str  # noqa: N815 (the protocol's names)
    scriptId: str | int  # noqa: N815
    url: str
    lineNumber: LineOrUnknown  # noqa: N815
    columnNumber: LineOrUnknown  # noqa: N815


class ProfileNode(msgspec.Struct, gc=False):  # trees have no cycles
    callFrame: CallFrame  # noqa: N815
    selfSize: NonNegative  # noqa: N815
    id: int
    children: list[ProfileNode]


class Sample(msgspec.Struct, frozen=True, gc=False):
    size: NonNegative
    nodeId: int  # noqa: N815
    ordinal: NonNegative = 0  # absent in profiles from older V8


class ProfileFile(msgspec.Struct, gc=False):
    head: ProfileNode
    samples: list[Sample] = []


class WrappedProfile(msgspec.Struct, gc=False):
    """`HeapProfiler.stopSampling`'s result saved as it came: `{"profile": {...}}`."""

    profile: ProfileFile


FrameKey = tuple[str, str, int, int]  # function, url, 1-based line, 1-based column
# A frame with no url is told apart by its script id (0 for builtins): two scripts that V8
# could not name are not one site.
SiteKey = tuple[str, str, int, int, int]


class _NodeFrames(Sequence[FrameKey]):
    """``profile.frames[node]`` -> (function, script, line, column), 1-based."""

    def __init__(self, table: list[FrameKey], frame: np.ndarray) -> None:
        self._table = table
        self._frame = frame

    def __len__(self) -> int:
        return int(self._frame.shape[0])

    def __getitem__(self, node: int) -> FrameKey:  # type: ignore[override]
        return self._table[int(self._frame[node])]

    def __iter__(self) -> Iterator[FrameKey]:
        return (self._table[k] for k in self._frame.tolist())


class HeapProfile:
    """A sampling heap profile as flat arrays indexed by node row, in level order: row 0 is
    the root, then its children, then theirs (each node's children are contiguous rows).

    Per row: parent (int64, -1 for the root), self_size, total_size, node_id (the file's
    ids), frame (row of ``frame_table``), native (a builtin frame: no url, script id 0),
    preorder and end (the node's subtree is preorder positions ``[preorder, end)``).
    ``frame_table`` holds the distinct (function, script, line, column), 1-based (0
    unknown), with ``frame_script_id`` alongside."""

    def __init__(self, path: str, self_size: np.ndarray, node_id: np.ndarray,
                 frame: np.ndarray, child_count: np.ndarray, level_starts: np.ndarray,
                 frame_table: list[FrameKey], frame_script_id: list[int],
                 sample_count: int = 0, dangling_samples: int = 0,
                 dangling_sample_size: int = 0) -> None:
        n = int(self_size.shape[0])
        self.path = path
        self.self_size = self_size
        self.node_id = node_id
        self.frame = frame
        self.frame_table = frame_table
        self.frame_script_id = frame_script_id
        self.level_starts = level_starts
        self.sample_count = sample_count
        self.dangling_samples = dangling_samples
        self.dangling_sample_size = dangling_sample_size
        self.parent = np.full(n, -1, dtype=np.int64)
        self.parent[1:] = np.repeat(np.arange(n, dtype=np.int64), child_count)
        child_start = np.ones(n, dtype=np.int64)
        np.cumsum(child_count[:-1], out=child_start[1:])
        child_start[1:] += 1
        native_frames = np.asarray([not url and not sid for (_, url, _, _), sid
                                    in zip(frame_table, frame_script_id, strict=True)],
                                   dtype=np.bool_)
        self.native = native_frames[frame] if n else np.zeros(0, dtype=np.bool_)
        self.total_size = level_sums(self_size, self.parent, level_starts)
        subtree = level_sums(np.ones(n, dtype=np.int64), self.parent, level_starts)
        self.preorder = preorder_positions(self.parent, level_starts, child_start, subtree)
        self.end = self.preorder + subtree
        self._child_start = child_start
        self._child_count = child_count
        self._sites: dict[bool, list[Site]] = {}

    @property
    def node_count(self) -> int:
        return int(self.parent.shape[0])

    @property
    def depth(self) -> int:
        """Levels below the root (0 for a lone root)."""
        return max(int(self.level_starts.shape[0]) - 2, 0)

    @property
    def total(self) -> int:
        """Bytes of all sampled allocations still alive when the profile was taken."""
        return int(self.total_size[0]) if self.node_count else 0

    @property
    def frames(self) -> Sequence[FrameKey]:
        """``frames[row]`` -> (function, script, line, column) of a node, 1-based."""
        return _NodeFrames(self.frame_table, self.frame)

    def frame_at(self, index: int) -> Frame:
        """A row of the frame table as a Frame."""
        return Frame(*self.frame_table[index], script_id=self.frame_script_id[index])

    def node_frame(self, node: int) -> Frame:
        return self.frame_at(int(self.frame[node]))

    def children(self, node: int) -> np.ndarray:
        """Child rows of a node, largest total first (the top-down tree, sorted one node at
        a time as it is opened)."""
        first = int(self._child_start[node])
        rows = np.arange(first, first + int(self._child_count[node]), dtype=np.int64)
        return rows[np.argsort(-self.total_size[rows], kind="stable")]

    def child_count(self, node: int) -> int:
        return int(self._child_count[node])

    def stack(self, node: int) -> list[Frame]:
        """The call stack of a node, innermost first, without the root."""
        out: list[Frame] = []
        while node > 0:
            out.append(self.node_frame(node))
            node = int(self.parent[node])
        return out

    def site_of_nodes(self, fold_native: bool = True) -> np.ndarray:
        """The frame row each node's allocations are charged to. With ``fold_native``, a
        builtin frame (`repeat`, `push`, `JSON.stringify`, ...) is charged to its nearest
        caller that is not one, so sites are the app's functions; builtins right under the
        root (V8's `(V8 API)`, `(PARSER)`, ...) stay themselves."""
        if not fold_native:
            return self.frame
        owner = fold_into_ancestor(self.native & (self.parent > 0), self.parent)
        return self.frame[owner]

    def sites(self, fold_native: bool = True) -> list[Site]:
        """Bottom-up allocation sites, largest self size first (then total), the root left
        out. A site's total counts a recursive function's subtree once."""
        cached = self._sites.get(fold_native)
        if cached is not None:
            return cached
        n_frames = len(self.frame_table)
        site = self.site_of_nodes(fold_native)
        self_by = group_sums(site, self.self_size, n_frames)
        outer = outermost(site, self.preorder, self.end)
        outer[:1] = False  # the root is everything, not a site
        total_by = group_sums(site[outer], self.total_size[outer], n_frames)
        rows = np.flatnonzero(total_by > 0)
        rows = rows[np.lexsort((-total_by[rows], -self_by[rows]))]
        out = [Site(self.frame_at(k), int(self_by[k]), int(total_by[k])) for k in rows.tolist()]
        self._sites[fold_native] = out
        return out


def load_profile(path: str) -> HeapProfile:
    """Read and validate a heap profile; raises SnapshotError(path, problem) on anything
    wrong (missing file, corrupt gzip, bad JSON, wrong shape, negative sizes, ...)."""
    data = _read_bytes(path)
    with _no_cyclic_gc():  # millions of fresh objects, none in a cycle: gc passes are waste
        doc = _decode(path, data)
        del data
        return _build(path, doc)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_bytes(path: str) -> bytes:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise SnapshotError(path, "no such file") from None
    except OSError as exc:
        raise SnapshotError(path, f"cannot read the profile ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise SnapshotError(path, "is a directory, not a heap profile")
    if not stat.S_ISREG(st.st_mode):
        raise SnapshotError(path, "not a regular file")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise SnapshotError(path, f"cannot read the profile ({exc.strerror})") from None
    if data[:2] == GZIP_MAGIC:
        data = _gunzip(path, data)
    if not data.strip():
        raise SnapshotError(path, "empty file, not a heap profile")
    return data


def _gunzip(path: str, data: bytes) -> bytes:
    try:
        return gzip.decompress(data)
    except EOFError:
        raise SnapshotError(path, "gzip data is truncated") from None
    except (OSError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise SnapshotError(path, f"corrupt gzip data ({flat(exc, 300)})") from None


def _decode(path: str, data: bytes) -> ProfileFile:
    wrapped = b"".join(data[:64].split()).startswith(b'{"profile"')
    kind: Any = WrappedProfile if wrapped else ProfileFile
    try:
        try:
            doc = msgspec.json.decode(data, type=kind)
        except RecursionError:
            doc = _decode_deep(data, kind)
    except msgspec.ValidationError as exc:
        raise SnapshotError(path, f"not a heap profile: {flat(exc, 300)}") from None
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        # Bytes that are not UTF-8 raise UnicodeDecodeError or DecodeError depending on the
        # msgspec release, with its own words: the bytes themselves tell which problem it is.
        bad = _first_bad_utf8(data)
        if bad is not None:
            raise SnapshotError(path, f"not UTF-8 text, corrupt (byte {bad:,})") from None
        raise SnapshotError(path, f"not valid JSON, truncated or corrupt ({flat(exc, 300)})"
                            ) from None
    except RecursionError:
        raise SnapshotError(path, "the call tree is nested too deeply to read") from None
    return doc.profile if isinstance(doc, WrappedProfile) else doc


def _first_bad_utf8(data: bytes) -> int | None:
    """Offset of the first byte that is not valid UTF-8, or None."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return None


def _decode_deep(data: bytes, kind: Any) -> Any:
    """Decode in a thread with a large stack and a recursion limit to match: msgspec
    recurses once per nested JSON value. The limit is restored afterwards."""
    result: list[Any] = []
    error: list[BaseException] = []

    def work() -> None:
        try:
            try:
                result.append(msgspec.json.decode(data, type=kind))
            except RecursionError:
                # Python 3.12+ caps C recursion whatever the limit says: parse in Python.
                result.append(_decode_in_python(data, kind))
        except BaseException as exc:  # handed to the caller below
            error.append(exc)

    old_limit = sys.getrecursionlimit()
    old_stack = threading.stack_size()
    worker = threading.Thread(target=work, name="leaktui-deep-profile")
    sys.setrecursionlimit(max(old_limit, DEEP_STACK_BYTES // STACK_BYTES_PER_LEVEL))
    try:
        threading.stack_size(DEEP_STACK_BYTES)  # read when the thread starts
        try:
            worker.start()
        finally:
            threading.stack_size(old_stack)
        worker.join()
    except RuntimeError:  # no memory for such a stack here
        raise RecursionError from None
    finally:
        sys.setrecursionlimit(old_limit)
    if error:
        raise error[0]
    return result[0]


def _decode_in_python(data: bytes, kind: Any) -> Any:
    """The profile decoded by json's pure-Python scanner (its recursion is Python calls only,
    which the raised recursion limit governs), each call-tree node made a ProfileNode as soon
    as it is read (object_hook runs bottom-up), so msgspec only ever sees one level."""
    import json
    from json.scanner import py_make_scanner  # type: ignore[attr-defined]

    def hook(obj: dict[str, Any]) -> Any:
        if "callFrame" in obj:
            children = obj.get("children", [])
            if not isinstance(children, list) or not all(isinstance(c, ProfileNode)
                                                         for c in children):
                raise msgspec.ValidationError("Expected `array` of nodes - at `children`")
            node = msgspec.convert({**obj, "children": []}, ProfileNode)
            node.children = children
            return node
        if "functionName" in obj:
            return msgspec.convert(obj, CallFrame)
        return obj

    decoder = json.JSONDecoder(object_hook=hook)
    decoder.scan_once = py_make_scanner(decoder)  # type: ignore[attr-defined]
    try:
        doc = decoder.decode(data.decode("utf-8"))
    except ValueError as exc:  # json's JSONDecodeError; UnicodeDecodeError is one too
        if isinstance(exc, UnicodeDecodeError):
            raise
        raise msgspec.DecodeError(str(exc)) from None
    return msgspec.convert(doc, type=kind)


def _build(path: str, doc: ProfileFile) -> HeapProfile:
    """Flatten the call tree level by level (no recursion: any depth). Per node this only
    appends to lists; everything else is vectorised over the rows."""
    keys: dict[tuple[str, str | int, str, int, int], int] = {}
    table: list[FrameKey] = []
    script_ids: list[int] = []
    site_rows: dict[SiteKey, int] = {}
    frame: list[int] = []
    self_size: list[int] = []
    node_id: list[int] = []
    child_count: list[int] = []
    level_starts = [0]
    add_frame, add_size, add_id, add_count = (frame.append, self_size.append, node_id.append,
                                              child_count.append)
    level: list[ProfileNode] = [doc.head]
    while level:
        below: list[ProfileNode] = []
        add_below = below.extend
        for node in level:
            cf = node.callFrame
            key = (cf.functionName, cf.scriptId, cf.url, cf.lineNumber, cf.columnNumber)
            k = keys.get(key)
            if k is None:
                k = keys[key] = _site_row(cf, site_rows, table, script_ids)
            add_frame(k)
            add_size(node.selfSize)
            add_id(node.id)
            kids = node.children
            add_count(len(kids))
            if kids:
                add_below(kids)
        level = below
        level_starts.append(len(frame))
    ids = np.asarray(node_id, dtype=np.int64)
    sorted_ids = np.sort(ids)
    duplicate = np.flatnonzero(sorted_ids[1:] == sorted_ids[:-1])
    if duplicate.size:
        raise SnapshotError(path, "two call-tree nodes have the same id "
                                  f"{sorted_ids[duplicate[0]]}")
    dangling, dangling_size = _dangling_samples(doc.samples, sorted_ids)
    return HeapProfile(
        path, np.asarray(self_size, dtype=np.int64), ids, np.asarray(frame, dtype=np.int64),
        np.asarray(child_count, dtype=np.int64), np.asarray(level_starts, dtype=np.int64),
        table, script_ids, sample_count=len(doc.samples), dangling_samples=dangling,
        dangling_sample_size=dangling_size)


def _site_row(cf: CallFrame, rows: dict[SiteKey, int], table: list[FrameKey],
              script_ids: list[int]) -> int:
    """The frame-table row of a call frame: one per (function, url, line, column), and per
    script id among frames without a url."""
    sid = _script_id(cf.scriptId)
    line, column = cf.lineNumber + 1, cf.columnNumber + 1
    key = (cf.functionName, cf.url, line, column, 0 if cf.url else sid)
    row = rows.get(key)
    if row is None:
        row = rows[key] = len(table)
        table.append((cf.functionName, cf.url, line, column))
        script_ids.append(sid)
    return row


def _script_id(value: str | int) -> int:
    """The protocol's scriptId (a string of digits; some writers use a number) as an int, 0
    when it is not a number."""
    if isinstance(value, int):
        return max(value, 0)
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else 0


def _dangling_samples(samples: list[Sample], sorted_ids: np.ndarray) -> tuple[int, int]:
    """How many samples (and bytes) name a node the tree does not hold."""
    if not samples:
        return 0, 0
    sample_ids = np.fromiter((s.nodeId for s in samples), dtype=np.int64, count=len(samples))
    sizes = np.fromiter((s.size for s in samples), dtype=np.int64, count=len(samples))
    pos = search_keys(sample_ids, sorted_ids)
    missing = sorted_ids[pos] != sample_ids
    return int(missing.sum()), int(sizes[missing].sum())
