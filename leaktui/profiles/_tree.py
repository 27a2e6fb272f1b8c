"""Vectorised operations on a tree stored in preorder (a node before its descendants, each
subtree a contiguous run ``[i, end[i])``). Everything here is linear or n log n in numpy."""

from __future__ import annotations

import numpy as np


def subtree_sums(values: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Each node's value plus its descendants' (int64): a prefix sum over the preorder run."""
    prefix = np.zeros(values.shape[0] + 1, dtype=np.int64)
    np.cumsum(values, out=prefix[1:])
    return prefix[end] - prefix[:-1]


def outermost(site: np.ndarray, end: np.ndarray) -> np.ndarray:
    """True for nodes with no ancestor of the same site, so a recursive site's subtree is
    counted once. Per site, in preorder, a node is nested exactly when the largest subtree end
    among the earlier nodes of its site lies beyond it."""
    n = site.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.bool_)
    order = np.argsort(site, kind="stable")  # by site, preorder within a site
    base = site[order].astype(np.int64) * (n + 1)
    running = np.maximum.accumulate(base + end[order])
    before = np.empty(n, dtype=np.int64)
    before[0] = -1
    before[1:] = running[:-1]
    nested_sorted = (before >= base) & (before - base > order)
    nested = np.empty(n, dtype=np.bool_)
    nested[order] = nested_sorted
    return ~nested


def children_csr(parent: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Children of every node, largest ``key`` first: node i's are
    ``order[first[i]:first[i + 1]]``."""
    n = parent.shape[0]
    kids = np.flatnonzero(parent >= 0)
    order = kids[np.lexsort((-key[kids], parent[kids]))]
    first = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(parent[kids], minlength=n), out=first[1:])
    return first, order


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
