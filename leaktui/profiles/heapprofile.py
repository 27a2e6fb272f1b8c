"""Sampling heap profiles: what `node --heap-prof` writes and what the inspector's
`HeapProfiler.stopSampling` returns (bare, or wrapped as `{"profile": {...}}`), plain or
gzipped. The call tree is flattened into arrays in preorder; allocation sites come bottom-up
and each node's children top-down for a lazy tree.

Line and column numbers in the file are 0-based (-1 when unknown); everything here reports
them 1-based (0 when unknown), as an editor shows them. A callFrame's line is where its
function starts: V8 samples per function, not per statement.

Samples whose nodeId is not in the tree are not an error: Node collects the samples a moment
after the tree, so a real profile can name a node that the tree does not hold yet. They are
counted (``dangling_samples``) and left out; the sizes come from the tree's selfSize, as in
DevTools."""

from __future__ import annotations

import gzip
import os
import stat
import sys
import threading
import zlib
from collections.abc import Iterator, Sequence
from typing import Annotated, Any

import msgspec
import numpy as np

from leaktui.errors import SnapshotError
from leaktui.profiles._tree import children_csr, fold_into_ancestor, outermost, subtree_sums
from leaktui.profiles.sites import Frame, Site

GZIP_MAGIC = b"\x1f\x8b"
# A retry for call trees nested deeper than Python's recursion limit allows msgspec: a
# thread with this much stack, giving each nested JSON value this many bytes of it.
DEEP_STACK_BYTES = 1024**3
STACK_BYTES_PER_LEVEL = 1024

NonNegative = Annotated[int, msgspec.Meta(ge=0)]
LineOrUnknown = Annotated[int, msgspec.Meta(ge=-1)]


class CallFrame(msgspec.Struct, frozen=True):
    functionName: str  # noqa: N815 (the protocol's names)
    scriptId: str | int  # noqa: N815
    url: str
    lineNumber: LineOrUnknown  # noqa: N815
    columnNumber: LineOrUnknown  # noqa: N815


class ProfileNode(msgspec.Struct):
    callFrame: CallFrame  # noqa: N815
    selfSize: NonNegative  # noqa: N815
    id: int
    children: list[ProfileNode]


class Sample(msgspec.Struct, frozen=True):
    size: NonNegative
    nodeId: int  # noqa: N815
    ordinal: NonNegative = 0  # absent in profiles from older V8


class ProfileFile(msgspec.Struct):
    head: ProfileNode
    samples: list[Sample] = []


class WrappedProfile(msgspec.Struct):
    """`HeapProfiler.stopSampling`'s result saved as it came: `{"profile": {...}}`."""

    profile: ProfileFile


FrameKey = tuple[str, str, int, int]  # function, url, 1-based line, 1-based column


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
    """A sampling heap profile as flat arrays indexed by node row (preorder: row 0 is the
    root, a parent before its children, a subtree is the run ``[i, end[i])``).

    parent (int64, -1 for the root), self_size, total_size, end, depth, node_id (the file's
    ids), frame (row in ``frame_table``), native (builtin frames: no script), plus
    ``frame_table``: the distinct (function, script, line, column), 1-based."""

    def __init__(self, path: str, parent: np.ndarray, self_size: np.ndarray, end: np.ndarray,
                 depth: np.ndarray, node_id: np.ndarray, frame: np.ndarray,
                 native: np.ndarray, frame_table: list[FrameKey], sample_count: int = 0,
                 dangling_samples: int = 0, dangling_sample_size: int = 0) -> None:
        self.path = path
        self.parent = parent
        self.self_size = self_size
        self.end = end
        self.depth = depth
        self.node_id = node_id
        self.frame = frame
        self.native = native
        self.frame_table = frame_table
        self.sample_count = sample_count
        self.dangling_samples = dangling_samples
        self.dangling_sample_size = dangling_sample_size
        self.total_size = subtree_sums(self_size, end)
        self._first_child, self._child_order = children_csr(parent, self.total_size)
        self._sites: dict[bool, list[Site]] = {}

    @property
    def node_count(self) -> int:
        return int(self.parent.shape[0])

    @property
    def total(self) -> int:
        """Bytes of all sampled allocations still alive when the profile was taken."""
        return int(self.total_size[0]) if self.node_count else 0

    @property
    def frames(self) -> Sequence[FrameKey]:
        return _NodeFrames(self.frame_table, self.frame)

    def node_frame(self, node: int) -> Frame:
        return Frame(*self.frame_table[int(self.frame[node])])

    def children(self, node: int) -> np.ndarray:
        """Child rows of a node, largest total first (the top-down tree, one level at a
        time)."""
        return self._child_order[self._first_child[node]:self._first_child[node + 1]]

    def child_count(self, node: int) -> int:
        return int(self._first_child[node + 1] - self._first_child[node])

    def stack(self, node: int) -> list[Frame]:
        """The call stack of a node, innermost first, without the root."""
        out: list[Frame] = []
        while node > 0:
            out.append(self.node_frame(node))
            node = int(self.parent[node])
        return out

    def site_of_nodes(self, fold_native: bool = True) -> np.ndarray:
        """The frame row each node's allocations are charged to. With ``fold_native``, a
        builtin frame (no script: `repeat`, `push`, `JSON.parse`, ...) is charged to its
        nearest caller with a script, so sites are the app's functions; builtins directly
        under the root (V8's `(V8 API)`, `(PARSER)`, ...) stay themselves."""
        if not fold_native:
            return self.frame
        owner = fold_into_ancestor(self.native & (self.parent > 0), self.parent)
        return self.frame[owner]

    def sites(self, fold_native: bool = True) -> list[Site]:
        """Bottom-up allocation sites by self size (then total), the root left out."""
        cached = self._sites.get(fold_native)
        if cached is not None:
            return cached
        n_frames = len(self.frame_table)
        site = self.site_of_nodes(fold_native)
        self_by = np.bincount(site, weights=self.self_size, minlength=n_frames)
        outer = outermost(site, self.end)
        total_by = np.bincount(site[outer], weights=self.total_size[outer], minlength=n_frames)
        keep = total_by > 0
        if self.node_count:
            root_site = int(site[0])
            if not np.any(site[1:] == root_site):
                keep[root_site] = False
        rows = np.flatnonzero(keep)
        rows = rows[np.lexsort((-total_by[rows], -self_by[rows]))]
        out = [Site(Frame(*self.frame_table[k]), int(self_by[k]), int(total_by[k]))
               for k in rows.tolist()]
        self._sites[fold_native] = out
        return out


def is_heap_profile(path: str) -> bool:
    """A quick look: a `.heapprofile` name, or JSON that starts with `{"head"` or
    `{"profile"` (plain or gzipped)."""
    if path.endswith((".heapprofile", ".heapprofile.gz")):
        return True
    try:
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
    head = start.lstrip().replace(b" ", b"")
    return head.startswith((b'{"head"', b'{"profile"'))


def load_profile(path: str) -> HeapProfile:
    """Read and validate a heap profile; raises SnapshotError(path, problem) on anything
    wrong (missing file, corrupt gzip, bad JSON, wrong shape, negative sizes, ...)."""
    data = _read_bytes(path)
    doc = _decode(path, data)
    del data
    return _build(path, doc)


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
        raise SnapshotError(path, f"corrupt gzip data ({_one_line(exc)})") from None


def _decode(path: str, data: bytes) -> ProfileFile:
    wrapped = b"".join(data[:64].split()).startswith(b'{"profile"')
    kind: Any = WrappedProfile if wrapped else ProfileFile
    try:
        try:
            doc = msgspec.json.decode(data, type=kind)
        except RecursionError:
            doc = _decode_deep(data, kind)
    except msgspec.ValidationError as exc:
        raise SnapshotError(path, f"not a heap profile: {_one_line(exc)}") from None
    except msgspec.DecodeError as exc:
        raise SnapshotError(path, f"not valid JSON, truncated or corrupt ({_one_line(exc)})"
                            ) from None
    except RecursionError:
        raise SnapshotError(path, "the call tree is nested too deeply to read") from None
    return doc.profile if isinstance(doc, WrappedProfile) else doc


def _decode_deep(data: bytes, kind: Any) -> Any:
    """Decode in a thread with a large stack and a recursion limit to match: msgspec
    recurses once per nested JSON value. The limit is restored afterwards."""
    result: list[Any] = []
    error: list[BaseException] = []

    def work() -> None:
        try:
            result.append(msgspec.json.decode(data, type=kind))
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


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def _build(path: str, doc: ProfileFile) -> HeapProfile:
    """Flatten the call tree iteratively (no recursion: any depth), in preorder."""
    keys: dict[FrameKey, int] = {}
    table: list[FrameKey] = []
    native_frames: list[bool] = []
    parent: list[int] = []
    self_size: list[int] = []
    node_id: list[int] = []
    frame: list[int] = []
    depth: list[int] = []
    end: list[int] = []
    # Entries: (node, parent row, depth) to visit, or (None, row, 0) when row's subtree ends.
    stack: list[tuple[ProfileNode | None, int, int]] = [(doc.head, -1, 0)]
    while stack:
        node, up, level = stack.pop()
        if node is None:
            end[up] = len(parent)
            continue
        row = len(parent)
        cf = node.callFrame
        key = (cf.functionName, cf.url, cf.lineNumber + 1, cf.columnNumber + 1)
        k = keys.get(key)
        if k is None:
            k = keys[key] = len(table)
            table.append(key)
            native_frames.append(not cf.url and str(cf.scriptId) in ("0", ""))
        parent.append(up)
        self_size.append(node.selfSize)
        node_id.append(node.id)
        frame.append(k)
        depth.append(level)
        end.append(0)
        stack.append((None, row, 0))
        kids = node.children
        if kids:
            stack.extend((child, row, level + 1) for child in reversed(kids))
    ids = np.asarray(node_id, dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    duplicate = np.flatnonzero(sorted_ids[1:] == sorted_ids[:-1])
    if duplicate.size:
        raise SnapshotError(path, "two call-tree nodes have the same id "
                                  f"{sorted_ids[duplicate[0]]}")
    frame_arr = np.asarray(frame, dtype=np.int64)
    dangling, dangling_size = _dangling_samples(doc.samples, sorted_ids)
    return HeapProfile(
        path, np.asarray(parent, dtype=np.int64), np.asarray(self_size, dtype=np.int64),
        np.asarray(end, dtype=np.int64), np.asarray(depth, dtype=np.int64), ids, frame_arr,
        np.asarray(native_frames, dtype=np.bool_)[frame_arr], table,
        sample_count=len(doc.samples), dangling_samples=dangling,
        dangling_sample_size=dangling_size)


def _dangling_samples(samples: list[Sample], sorted_ids: np.ndarray) -> tuple[int, int]:
    """How many samples (and bytes) name a node the tree does not hold."""
    if not samples:
        return 0, 0
    sample_ids = np.fromiter((s.nodeId for s in samples), dtype=np.int64, count=len(samples))
    sizes = np.fromiter((s.size for s in samples), dtype=np.int64, count=len(samples))
    pos = np.minimum(np.searchsorted(sorted_ids, sample_ids), sorted_ids.shape[0] - 1)
    missing = sorted_ids[pos] != sample_ids
    return int(missing.sum()), int(sizes[missing].sum())
