"""leaktui.snapshot._sets: the sort-based set operations give numpy's own answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from leaktui.snapshot import load_snapshot
from leaktui.snapshot._sets import TABLE_MIN_SPAN, isin, union, unique

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("n", "m", "high", "dtype"), [
    (0, 0, 5, np.int64), (1, 0, 5, np.int64), (0, 3, 5, np.int64), (7, 1, 3, np.int64),
    (1000, 50, 100, np.int64), (5000, 3000, 10**6, np.int64),
    (5000, 3000, 4 * TABLE_MIN_SPAN * 10**6, np.int64),  # too wide for a table: sorted lookup
    (5000, 300, 2**32, np.uint32), (3000, 3000, 50, np.uint8), (500, 30, 2**31, np.int32),
])
def test_unique_isin_and_union_equal_numpy_on_random_integers(n: int, m: int, high: int,
                                                              dtype: type) -> None:
    rng = np.random.default_rng(n + m)
    a = rng.integers(0, high, n).astype(dtype)
    b = rng.integers(0, high, m).astype(dtype)
    if n and m:
        b[: m // 2] = a[rng.integers(0, n, m // 2)]  # a real share of hits
    assert unique(a).tolist() == np.unique(a).tolist()
    assert unique(a).dtype == np.unique(a).dtype
    assert isin(a, b).tolist() == np.isin(a, b).tolist()
    assert union(a, b).tolist() == np.union1d(a, b).tolist()
    if n >= 2:
        grid = a[: n // 2 * 2].reshape(2, -1)
        assert isin(grid, b).shape == grid.shape
        assert (isin(grid, b) == np.isin(grid, b)).all()


@pytest.mark.parametrize("values_dtype", [np.uint32, np.uint8, np.int32, np.int64])
def test_isin_of_values_of_another_type_than_the_members_equals_numpy(values_dtype: type
                                                                      ) -> None:
    # The table's range is compared in the values' own type (node-sized arrays are not
    # widened): members below zero or past the values' type must not wrap into hits.
    rng = np.random.default_rng(7)
    values = rng.integers(0, 200, 5000).astype(values_dtype)
    for members in (np.array([-1, 3, 250], dtype=np.int64), np.array([-5, -1], dtype=np.int64),
                    np.array([0, 2**40], dtype=np.int64)[:1], np.array([7, 300], np.int64)):
        assert isin(values, members).tolist() == np.isin(values, members).tolist()


def test_isin_on_a_real_snapshot_s_edges_equals_numpy() -> None:
    snap = load_snapshot(str(ROOT / "snapshots_sample" / "closure-capture" /
                             "closure-capture-1.heapsnapshot.gz"))
    names = snap.node_name[: 5000]
    members = snap.node_name[5000: 5400]
    hits = isin(names, members)
    assert hits.tolist() == np.isin(names, members).tolist()
    assert 0 < hits.sum() < hits.size
    targets = snap.edge_to.astype(np.int64) * snap.node_count + np.arange(snap.edge_to.size)
    picked = targets[:: 7]
    assert isin(targets, picked).tolist() == np.isin(targets, picked).tolist()
    assert unique(snap.edge_to).tolist() == np.unique(snap.edge_to).tolist()


@pytest.mark.parametrize("dtype", [np.uint32, np.int64, np.int32])
def test_search_keys_finds_what_searchsorted_finds_for_keys_of_any_integer_type(
        dtype: type) -> None:
    from leaktui.snapshot._base import search_keys

    rng = np.random.default_rng(7)
    info = np.iinfo(dtype)
    table = np.unique(rng.integers(max(info.min, -10**6), 10**6, 5000)).astype(dtype)
    keys = np.concatenate([rng.choice(table.astype(np.int64), 300),
                           rng.integers(-10**6, 10**6, 300),
                           [-1, min(int(info.max) + 1, 2**62), -(2**40), 2**40]]).astype(np.int64)
    pos = search_keys(keys, table)
    assert pos.min() >= 0 and pos.max() < table.size
    found = table[pos] == keys
    assert np.array_equal(found, np.isin(keys, table.astype(np.int64)))
    inside = (keys >= info.min) & (keys <= info.max)
    expected = np.minimum(np.searchsorted(table.astype(np.int64), keys), table.size - 1)
    assert np.array_equal(pos[inside], expected[inside])
