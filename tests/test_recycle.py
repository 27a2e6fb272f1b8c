"""Recycled pages for big arrays (`_memory.recycling`, `snapshot/_recycle.pyx`): a freed big
array's pages go to the next big array, contents are what numpy promises (zeros from
``np.zeros``, kept ones through a resize), the cache never takes the big arrays above their own
peak and is let go when the block ends, and a report is the same with or without it."""

from __future__ import annotations

import contextlib
import random
import threading
from pathlib import Path

import numpy as np
import pytest

from leaktui.snapshot import _recycle
from leaktui.snapshot._memory import recycling
from leaktui.snapshot._threads import Beside

try:
    from numpy._core.multiarray import get_handler_name
except ImportError:  # numpy 1
    from numpy.core.multiarray import get_handler_name  # type: ignore[no-redef]

SAMPLES = Path(__file__).resolve().parent.parent / "snapshots_sample"
BIG = _recycle.BIG
OURS = "leaktui_recycling_allocator"

pytestmark = pytest.mark.skipif(not _recycle.available(),
                                reason="numpy without a memory handler API")


def _address(a: np.ndarray) -> int:
    return int(a.__array_interface__["data"][0])


def test_a_freed_big_array_s_pages_go_to_the_next_big_array() -> None:
    with recycling():
        a = np.ones(4 * BIG, dtype=np.uint8)
        where = _address(a)
        reused = _recycle.stats()["reused"]
        del a
        b = np.empty(3 * BIG, dtype=np.uint8)  # smaller: the same region, its tail let go
        assert _address(b) == where
        assert _recycle.stats()["reused"] == reused + 1
        assert get_handler_name(b) == OURS


def test_zeros_from_recycled_pages_are_zero_whether_trimmed_or_grown() -> None:
    with recycling():
        a = np.full(2 * BIG, 7, dtype=np.uint8)
        del a
        smaller = np.zeros(BIG + 123, dtype=np.uint8)
        assert not smaller.any()
        del smaller
        grown = _recycle.stats()["regrown"]
        larger = np.zeros(8 * BIG, dtype=np.uint8)  # no cached region holds it: grown
        assert _recycle.stats()["regrown"] == grown + 1
        assert not larger.any()


def test_a_recycled_array_keeps_its_values_through_a_resize() -> None:
    with recycling():
        a = np.arange(BIG, dtype=np.int64)
        a.resize(3 * BIG, refcheck=False)
        assert np.array_equal(a[:BIG], np.arange(BIG))
        assert not a[BIG:].any()
        a.resize(BIG // 2, refcheck=False)
        assert np.array_equal(a, np.arange(BIG // 2))


def test_the_cache_is_let_go_when_the_block_ends() -> None:
    with recycling():
        kept = np.ones(2 * BIG, dtype=np.uint8)
        dropped = np.ones(2 * BIG, dtype=np.uint8)
        del dropped
        assert _recycle.stats()["cached_bytes"] >= 2 * BIG
    stats = _recycle.stats()
    assert stats["cached_bytes"] == 0 and stats["depth"] == 0
    del kept  # allocated inside, freed after: unmapped at once
    assert _recycle.stats()["cached_bytes"] == 0
    assert get_handler_name(np.ones(2 * BIG, dtype=np.uint8)) == "default_allocator"


def test_nested_blocks_keep_the_cache_until_the_outermost_ends() -> None:
    with recycling():
        with recycling():
            a = np.ones(2 * BIG, dtype=np.uint8)
            del a
        assert _recycle.stats()["cached_bytes"] >= 2 * BIG
        assert get_handler_name(np.ones(10)) == OURS
    assert _recycle.stats()["cached_bytes"] == 0


def test_the_cache_never_takes_the_big_arrays_above_their_own_peak() -> None:
    rng = random.Random(1)
    alive: list[np.ndarray] = []
    with recycling():
        for _ in range(300):
            if alive and rng.random() < 0.45:
                alive.pop(rng.randrange(len(alive)))
            else:
                a = np.empty(rng.randint(BIG, 6 * BIG), dtype=np.uint8)
                a[::4096] = 1
                alive.append(a)
            stats = _recycle.stats()
            assert stats["live_bytes"] + stats["cached_bytes"] <= stats["max_live"]
        assert _recycle.stats()["reused"] + _recycle.stats()["regrown"] > 0


def test_threads_started_beside_recycle_and_many_threads_keep_their_values() -> None:
    errors: list[str] = []

    def churn(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(60):
            n = rng.randint(BIG // 8, BIG)
            a = np.full(n, seed, dtype=np.int64)
            b = np.zeros(n, dtype=np.int64)
            if int(a.sum()) != seed * n or b.any():
                errors.append(f"thread {seed}: wrong contents")
            del a, b

    with recycling():
        assert Beside(lambda: get_handler_name(np.ones(10))).result() == OURS
        threads = [threading.Thread(target=churn, args=(s,)) for s in range(1, 5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert Beside(churn, 9).result() is None
    assert errors == []


def test_a_report_is_the_same_with_and_without_recycled_pages(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import leaktui.series as series
    from leaktui.report import build_report, diff_entry

    paths = [str(p) for p in sorted((SAMPLES / "unbounded-cache").glob("*.heapsnapshot.gz"))]

    def report() -> dict[str, object]:
        opened = series.load_series(paths, lean=True,
                                    alongside=lambda snaps, one: diff_entry(snaps, None, one))
        return build_report(opened.snaps, suspects=[s.to_json() for s in opened.suspects],
                            diff=opened.alongside)

    recycled = report()
    assert _recycle.stats()["mapped"] > 0
    monkeypatch.setattr(series, "recycling", contextlib.nullcontext)
    assert report() == recycled


def test_leaktui_recycle_0_leaves_numpy_s_allocator_in_place(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The escape hatch: with LEAKTUI_RECYCLE=0 a block changes nothing."""
    monkeypatch.setenv("LEAKTUI_RECYCLE", "0")
    mapped = _recycle.stats()["mapped"]
    with recycling():
        a = np.ones(2 * BIG, dtype=np.uint8)
        assert get_handler_name(a) == "default_allocator"
        assert _recycle.stats()["depth"] == 0
    assert _recycle.stats()["mapped"] == mapped
