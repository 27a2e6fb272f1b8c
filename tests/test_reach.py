"""leaktui.snapshot.reach: what many objects reach in a few steps, each start walked apart
(checked against a plain per-start walk written out here)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from leaktui.snapshot import HeapSnapshot, load_snapshot
from leaktui.snapshot.reach import reach

ROOT = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=2)
def snapshot(rel: str) -> HeapSnapshot:
    return load_snapshot(str(ROOT / rel))


def walk_each_start(snap: HeapSnapshot, starts: list[int], depth: int, cap: int,
                    skip_types: tuple[int, ...]) -> tuple[list[int], list[int], list[int]]:
    """The specification, one start and one step at a time."""
    nodes, origin, steps = list(starts), list(range(len(starts))), [0] * len(starts)
    level = [[s] for s in starts]
    for step in range(1, depth + 1):
        nxt = []
        for i, objs in enumerate(level):
            found = set()
            for v in objs:
                first = int(snap.first_edge[v])
                for e in range(first, min(first + cap, int(snap.first_edge[v + 1]))):
                    if int(snap.edge_type[e]) in (snap.E_WEAK, snap.E_SHORTCUT):
                        continue
                    w = int(snap.edge_to[e])
                    if int(snap.node_type[w]) not in skip_types:
                        found.add(w)
            nxt.append(sorted(found))
            nodes += sorted(found)
            origin += [i] * len(found)
            steps += [step] * len(found)
        level = nxt
    return nodes, origin, steps


SNAPSHOTS = ["tests/data/rules.heapsnapshot",
             "snapshots_sample/closure-capture/closure-capture-1.heapsnapshot.gz"]


@pytest.mark.parametrize("rel", SNAPSHOTS)
@pytest.mark.parametrize(("depth", "cap", "skip"), [(1, 48, False), (3, 48, True),
                                                    (4, 2, False)])
def test_reach_lists_what_each_start_reaches_step_by_step(rel: str, depth: int, cap: int,
                                                         skip: bool) -> None:
    snap = snapshot(rel)
    rng = np.random.default_rng(12)
    starts = rng.integers(0, snap.node_count, size=40).tolist()
    starts += starts[:3] + [int(snap.root)]  # a start given twice is walked twice
    skip_types = (snap.T_CODE, snap.T_HIDDEN, snap.T_STRING) if skip else ()
    nodes, origin, steps = reach(snap, np.asarray(starts), depth, cap, skip_types)
    want = walk_each_start(snap, starts, depth, cap, skip_types)
    assert (nodes.tolist(), origin.tolist(), steps.tolist()) == want
    assert steps.max() == depth  # the walk went the whole way (not a trivial comparison)


def test_reach_from_no_starts_or_no_steps_is_the_starts() -> None:
    snap = snapshot("tests/data/rules.heapsnapshot")
    nodes, origin, steps = reach(snap, np.zeros(0, dtype=np.int64), 3)
    assert nodes.size == origin.size == steps.size == 0
    nodes, origin, steps = reach(snap, np.asarray([5, 7]), 0)
    assert (nodes.tolist(), origin.tolist(), steps.tolist()) == ([5, 7], [0, 1], [0, 0])


def test_reach_reuses_its_marks_when_they_run_out() -> None:
    from leaktui.snapshot import kernels as k

    snap = snapshot("tests/data/rules.heapsnapshot")
    starts = np.asarray([int(snap.root)] * 3, dtype=np.int64)
    stamp = np.zeros(snap.node_count, dtype=np.uint32)
    no_skip = np.zeros(256, dtype=np.uint8)
    args = (starts, np.arange(3, dtype=np.int64), snap.first_edge, snap.edge_type, snap.edge_to,
            snap.node_type, 48, no_skip, no_skip, stamp)
    fresh = k.reach_step(*args, 0)
    stamp[:] = 0xFFFFFFFE  # as if earlier steps had used every mark but the last
    worn = k.reach_step(*args, 0xFFFFFFFE)
    assert fresh[0].size > 0
    assert fresh[0].tolist() == worn[0].tolist() and fresh[1].tolist() == worn[1].tolist()


def test_walks_sharing_one_scratch_give_what_fresh_walks_give() -> None:
    first, second = (snapshot(rel) for rel in SNAPSHOTS)
    scratch: dict[str, object] = {}
    rng = np.random.default_rng(5)
    for snap in (first, first, second, first):  # a scratch left by another snapshot is not used
        skip_types = (snap.T_CODE, snap.T_HIDDEN, snap.T_STRING)
        starts = rng.integers(0, snap.node_count, size=30)
        shared = reach(snap, starts, 3, 48, skip_types, scratch=scratch)
        want = walk_each_start(snap, starts.tolist(), 3, 48, skip_types)
        assert tuple(a.tolist() for a in shared) == want
        assert scratch["reach_stamp"][0] is snap  # type: ignore[index]


@pytest.mark.parametrize("rel", SNAPSHOTS)
@pytest.mark.parametrize(("depth", "cap", "skip"), [(1, 48, False), (3, 48, True),
                                                    (4, 2, False)])
def test_reach_together_lists_once_a_step_what_the_starts_reach_apart(
        rel: str, depth: int, cap: int, skip: bool) -> None:
    snap = snapshot(rel)
    rng = np.random.default_rng(7)
    starts = rng.integers(0, snap.node_count, size=40).tolist() + [int(snap.root)]
    skip_types = (snap.T_CODE, snap.T_HIDDEN, snap.T_STRING) if skip else ()
    nodes, _, steps = walk_each_start(snap, starts, depth, cap, skip_types)
    got, origin, got_steps = reach(snap, np.asarray(starts), depth, cap=cap,
                                   skip_types=skip_types, together=True)
    assert not origin.any()
    for step in range(1, depth + 1):
        apart = {n for n, s in zip(nodes, steps, strict=True) if s == step}
        listed = got[got_steps == step].tolist()
        assert sorted(listed) == listed and set(listed) == apart
