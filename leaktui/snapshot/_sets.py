"""Set operations on integer arrays by sorting, for the hot paths of the analyses.

numpy 2's `np.unique` (without return_index/inverse/counts), and with it `np.isin`'s sort path
and `np.union1d`, goes through a hash table that costs ~300 ns an element on this project's
arrays of node ordinals (8 ms for 24k values), several times a sort; its first call also
imports `numpy.ma`. These give the same results for integer arrays by sorting."""

from __future__ import annotations

import numpy as np

TABLE_MIN_SPAN = 1 << 20  # members within this range: a table of flags (a megabyte at most)


def unique(values: np.ndarray) -> np.ndarray:
    """`np.unique(values)` for an integer array: its distinct values, sorted."""
    ordered = np.sort(np.asarray(values).ravel())
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=np.bool_)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`np.union1d(a, b)` for integer arrays."""
    return unique(np.concatenate((np.asarray(a).ravel(), np.asarray(b).ravel())))


def isin(values: np.ndarray, members: np.ndarray) -> np.ndarray:
    """`np.isin(values, members)` for integer arrays: per value, whether it is among
    ``members``. Members spanning a small range are marked in a table; otherwise the values
    are sorted and looked up in the sorted distinct members (a binary search in sorted order
    is several times faster than in the order given)."""
    values = np.asarray(values)
    members = np.asarray(members).ravel()
    out = np.zeros(values.shape, dtype=np.bool_)
    if members.size == 0 or values.size == 0:
        return out
    low, high = int(members.min()), int(members.max())
    if high - low <= max(TABLE_MIN_SPAN, 8 * (values.size + members.size)):
        table = np.zeros(high - low + 1, dtype=np.bool_)
        table[members.astype(np.int64) - low] = True
        # Compared in their own type (values may be node-sized: no int64 copy of them all),
        # only those inside the table's range widened to look it up.
        flat = values.ravel()
        if flat.dtype.kind in "iu":  # the range clipped to the values' type
            bounds = np.iinfo(flat.dtype)
            if low > bounds.max or high < bounds.min:
                return out
            inside = flat >= max(low, bounds.min)
            inside &= flat <= min(high, bounds.max)
        else:
            inside = (flat >= low) & (flat <= high)
        picked = flat[inside].astype(np.int64)
        picked -= low
        out.ravel()[inside] = table[picked]
        return out
    table = unique(members)
    flat = values.ravel()
    order = np.argsort(flat)
    ordered = flat[order]
    at = np.searchsorted(table, ordered)
    np.minimum(at, table.size - 1, out=at)
    out.ravel()[order] = table[at] == ordered
    return out
