"""Vectorised operations on trees stored as flat arrays (``parent[i]``, -1 for a root).

Two row orders are used: preorder (a subtree is the contiguous run ``[i, end[i])``) and
level order (rows grouped by depth, ``level_starts[d]`` the first row of depth d, each
node's children contiguous). Everything here is linear or n log n in numpy; loops run once
per tree level, never once per node."""

from __future__ import annotations

import numpy as np


def subtree_sums(values: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Preorder rows: each node's value plus its descendants' (int64), as a difference of
    prefix sums over the node's run."""
    prefix = np.zeros(values.shape[0] + 1, dtype=np.int64)
    np.cumsum(values, out=prefix[1:])
    return prefix[end] - prefix[:-1]


def level_sums(values: np.ndarray, parent: np.ndarray, level_starts: np.ndarray) -> np.ndarray:
    """Level-order rows: each node's value plus its descendants' (int64), accumulated from
    the deepest level up, one vectorised step per level (within a level the parents are
    nondecreasing, so each parent's children are one run to reduce)."""
    total = values.astype(np.int64, copy=True)
    for d in range(level_starts.shape[0] - 2, 0, -1):
        lo, hi = int(level_starts[d]), int(level_starts[d + 1])
        if hi <= lo:
            continue
        up = parent[lo:hi]
        runs = np.flatnonzero(np.concatenate(([True], up[1:] != up[:-1])))
        total[up[runs]] += np.add.reduceat(total[lo:hi], runs)
    return total


def preorder_positions(parent: np.ndarray, level_starts: np.ndarray, first_child: np.ndarray,
                       subtree_size: np.ndarray) -> np.ndarray:
    """Level-order rows -> their positions in a preorder walk (children in row order), level
    by level from the root: a node comes right after its parent and its earlier siblings'
    subtrees."""
    n = parent.shape[0]
    pre = np.zeros(n, dtype=np.int64)
    for d in range(1, level_starts.shape[0] - 1):
        lo, hi = int(level_starts[d]), int(level_starts[d + 1])
        if hi <= lo:
            continue
        sizes = subtree_size[lo:hi]
        before = np.cumsum(sizes) - sizes  # subtrees earlier in this level
        up = parent[lo:hi]
        first_sibling = first_child[up] - lo
        pre[lo:hi] = pre[up] + 1 + before - before[first_sibling]
    return pre


def outermost(site: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """True for nodes with no ancestor of the same site, so a recursive site's subtree is
    counted once. ``[start, end)`` is each node's run in preorder. Within a site, in preorder,
    a node is nested exactly when the largest run end among the earlier nodes of its site
    lies beyond its start."""
    n = site.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.bool_)
    order = np.lexsort((start, site))
    span = int(end.max()) + 1
    base = site[order].astype(np.int64) * span
    running = np.maximum.accumulate(base + end[order])
    before = np.empty(n, dtype=np.int64)
    before[0] = -1
    before[1:] = running[:-1]
    nested_sorted = (before >= base) & (before - base > start[order])
    nested = np.empty(n, dtype=np.bool_)
    nested[order] = nested_sorted
    return ~nested


def group_sums(group: np.ndarray, values: np.ndarray, groups: int) -> np.ndarray:
    """Exact int64 sums of ``values`` per group (bincount's weights go through floats)."""
    out = np.zeros(groups, dtype=np.int64)
    np.add.at(out, group, values.astype(np.int64, copy=False))
    return out


def fold_into_ancestor(foldable: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """For each node, the nearest ancestor-or-self that is not foldable (pointer jumping:
    log(depth) vectorised steps). A foldable node without a parent stays itself."""
    n = parent.shape[0]
    target = np.arange(n, dtype=np.int64)
    hop = foldable & (parent >= 0)
    target[hop] = parent[hop]
    while True:
        nxt = target[target]
        if np.array_equal(nxt, target):
            return target
        target = nxt
