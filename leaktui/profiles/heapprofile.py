"""Sampling heap profiles (`node --heap-prof`, inspector `HeapProfiler.stopSampling`): the
call tree flattened into arrays, allocation sites bottom-up, children for a lazy top-down tree.

Line and column numbers in the file are 0-based; everything here reports them 1-based, as an
editor shows them."""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass

import msgspec
import numpy as np

from leaktui.errors import SnapshotError


class CallFrame(msgspec.Struct):
    functionName: str  # noqa: N815 (the file's names)
    url: str
    lineNumber: int  # noqa: N815
    columnNumber: int  # noqa: N815
    scriptId: str | int = ""  # noqa: N815


class ProfileNode(msgspec.Struct):
    callFrame: CallFrame  # noqa: N815
    selfSize: int  # noqa: N815
    id: int
    children: list[ProfileNode] = []


class SampleEntry(msgspec.Struct):
    size: int
    nodeId: int  # noqa: N815
    ordinal: int = 0


class ProfileFile(msgspec.Struct):
    head: ProfileNode
    samples: list[SampleEntry] = []


@dataclass(frozen=True)
class Site:
    function: str
    script: str
    line: int  # 1-based; 0 when unknown
    column: int  # 1-based; 0 when unknown
    self_size: int
    total_size: int

    def to_json(self) -> dict[str, object]:
        return {"function": self.function, "script": self.script, "line": self.line,
                "column": self.column, "self_size": self.self_size,
                "total_size": self.total_size}

    @property
    def label(self) -> str:
        where = f"{self.script}:{self.line}" if self.script else "(native)"
        return f"{self.function or '(anonymous)'} {where}"


class HeapProfile:
    """The call tree as flat arrays, in depth-first order (a parent before its children)."""

    def __init__(self, path: str, root: ProfileNode) -> None:
        self.path = path
        parents: list[int] = []
        self_sizes: list[int] = []
        frames: list[tuple[str, str, int, int]] = []
        native: list[bool] = []
        ids: list[int] = []
        stack: list[tuple[ProfileNode, int]] = [(root, -1)]
        while stack:  # iterative: deep recursion in the profile cannot overflow
            node, parent = stack.pop()
            index = len(parents)
            if node.selfSize < 0:
                raise SnapshotError(path, f"negative selfSize in node {node.id}")
            parents.append(parent)
            self_sizes.append(node.selfSize)
            cf = node.callFrame
            frames.append((cf.functionName, cf.url, cf.lineNumber + 1, cf.columnNumber + 1))
            native.append(str(cf.scriptId) in ("0", "") and not cf.url)
            ids.append(node.id)
            for child in reversed(node.children):
                stack.append((child, index))
        self.parent = np.asarray(parents, dtype=np.int64)
        self.self_size = np.asarray(self_sizes, dtype=np.int64)
        self.node_id = np.asarray(ids, dtype=np.int64)
        self.frames = frames
        self.native = native  # builtins (script id 0): their allocations belong to the caller
        # Totals: children come after their parent, so accumulate in reverse order.
        total = self.self_size.copy()
        span = np.ones(len(total), dtype=np.int64)  # nodes in each subtree
        for i in range(len(total) - 1, 0, -1):
            total[self.parent[i]] += total[i]
            span[self.parent[i]] += span[i]
        self.total_size = total
        self.subtree_end = np.arange(len(total), dtype=np.int64) + span
        order = np.argsort(self.parent[1:], kind="stable") + 1
        self.first_child = np.searchsorted(self.parent[order], np.arange(len(parents) + 1))
        self.children_order = order

    @property
    def node_count(self) -> int:
        return int(self.parent.shape[0])

    def children(self, index: int) -> np.ndarray:
        """Child rows of a node, largest total first (the top-down tree, loaded lazily)."""
        kids = self.children_order[self.first_child[index]:self.first_child[index + 1]]
        return kids[np.argsort(-self.total_size[kids], kind="stable")]

    def sites(self, fold_native: bool = True) -> list[Site]:
        """Bottom-up: allocation sites (function, script, line, column), by self size. A
        site's total counts each subtree once even when the function recurses. With
        ``fold_native``, builtin frames (script id 0: `repeat`, `push`, ...) count toward
        their caller, so the top site is a function of the app's code."""
        keys: dict[tuple[str, str, int, int], int] = {}
        frames_of_site: list[tuple[str, str, int, int]] = []
        site_of = np.empty(self.node_count, dtype=np.int64)
        for i, frame in enumerate(self.frames):  # parents come before their children
            parent = int(self.parent[i])
            if fold_native and parent > 0 and self.native[i]:
                site_of[i] = site_of[parent]
                continue
            key = keys.get(frame)
            if key is None:
                key = keys[frame] = len(frames_of_site)
                frames_of_site.append(frame)
            site_of[i] = key
        n_sites = len(frames_of_site)
        self_by_site = np.bincount(site_of, weights=self.self_size, minlength=n_sites)
        total_by_site = np.zeros(n_sites, dtype=np.int64)
        active = np.zeros(n_sites, dtype=np.int64)
        # Depth-first walk with the sites on the current path: a node's total counts only if
        # its site is not already on the path (recursion, or a folded builtin).
        exits: list[int] = []
        for i in range(self.node_count):
            while exits and i >= self.subtree_end[exits[-1]]:
                active[site_of[exits.pop()]] -= 1
            site = int(site_of[i])
            if active[site] == 0:
                total_by_site[site] += self.total_size[i]
            active[site] += 1
            exits.append(i)
        sites = [Site(f, u, max(line, 0), max(col, 0), int(self_by_site[k]),
                      int(total_by_site[k]))
                 for k, (f, u, line, col) in enumerate(frames_of_site)]
        sites = [x for x in sites if x.function != "(root)" and (x.self_size or x.total_size)]
        sites.sort(key=lambda x: (-x.self_size, -x.total_size, x.function))
        return sites

    @property
    def total(self) -> int:
        return int(self.total_size[0]) if self.node_count else 0


def is_heap_profile(path: str) -> bool:
    """A quick look: a JSON object whose first key is `head` (or a `.heapprofile` name)."""
    if path.endswith((".heapprofile", ".heapprofile.gz")):
        return True
    try:
        with open(path, "rb") as f:
            start = f.read(2)
            if start == b"\x1f\x8b":
                with gzip.open(path, "rb") as g:
                    start = g.read(64)
            else:
                start += f.read(62)
    except OSError:
        return False
    return start.lstrip().startswith(b'{"head"')


def load_profile(path: str) -> HeapProfile:
    if not os.path.exists(path):
        raise SnapshotError(path, "no such file")
    if os.path.isdir(path):
        raise SnapshotError(path, "is a directory, not a heap profile")
    try:
        with open(path, "rb") as f:
            data = f.read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise SnapshotError(path, f"cannot read the profile ({exc})") from None
    if not data.strip():
        raise SnapshotError(path, "empty file")
    try:
        doc = msgspec.json.decode(data, type=ProfileFile)
    except msgspec.ValidationError as exc:
        raise SnapshotError(path, f"not a heap profile ({exc})") from None
    except msgspec.DecodeError as exc:
        raise SnapshotError(path, f"not valid JSON, truncated or corrupt ({exc})") from None
    profile = HeapProfile(path, doc.head)
    # Samples may name nodes V8 pruned from the tree; only their sizes are checked.
    if any(sample.size < 0 for sample in doc.samples):
        raise SnapshotError(path, "a sample has a negative size")
    return profile
