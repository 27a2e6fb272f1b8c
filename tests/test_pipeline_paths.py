"""The pipeline takes one of two schedules by heap size (`pipeline.DOMINATORS_BESIDE_NODES`):
below it the dominators run on a second thread beside the distances and classes (the essential
edges marked in a copy of the edge types, the retainers' edge ordinals in an array of their
own, the dominator tree kept for the suspects); above it they run alone on idle node rows. The
bundled samples are all small, so the golden tests see only the first: here the limit is
lowered to 0 and everything either schedule computes is compared."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from leaktui.snapshot import load_snapshot

ROOT = Path(__file__).resolve().parents[1]
SERIES = ("unbounded-cache", "per-request-retention", "listener-leak")
ARRAYS = ("dominator", "retained_size", "distance", "class_id", "first_retainer",
          "retaining_edges", "edge_type", "self_size", "flags", "class_retained")


def _series(name: str) -> list[str]:
    return sorted(str(p) for p in (ROOT / "snapshots_sample" / name).glob("*.gz"))


@pytest.mark.parametrize("name", SERIES)
def test_both_schedules_compute_the_same_snapshot_and_report(
    name: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import leaktui.snapshot.pipeline as pipeline
    from leaktui.report import build_report
    from leaktui.suspects import find_suspects

    paths = _series(name)

    def analysed() -> tuple[dict[str, np.ndarray], dict[str, Any], Any]:
        snaps = [load_snapshot(p) for p in paths]
        last = snaps[-1]
        arrays = {a: np.array(getattr(last, a), copy=True) for a in ARRAYS}
        first, children = last.dominator_tree()
        arrays["dominated_first"], arrays["dominated"] = first.copy(), children.copy()
        suspects = [s.to_json() for s in find_suspects(snaps)]
        built = build_report(snaps, suspects=suspects)
        for entry in built["snapshots"]:
            entry.pop("timings", None)
        return arrays, json.loads(json.dumps(built)), last.statistics

    beside_arrays, beside_report, beside_stats = analysed()
    monkeypatch.setattr(pipeline, "DOMINATORS_BESIDE_NODES", 0)
    alone_arrays, alone_report, alone_stats = analysed()
    for key, value in beside_arrays.items():
        np.testing.assert_array_equal(value, alone_arrays[key], err_msg=key)
    assert beside_stats == alone_stats
    assert beside_report == alone_report


def test_the_dominator_tree_kept_for_a_small_heap_is_let_go_after_the_suspects() -> None:
    """Kept by the pipeline below the limit (8 bytes a node), it serves the suspects' "keeps
    alive" classes and is not held by the snapshot after them."""
    from leaktui.suspects import find_suspects

    snap = load_snapshot(_series("unbounded-cache")[-1])
    kept = snap.dominator_tree()
    assert snap.dominator_tree()[0] is kept[0]  # the same arrays: not built again
    find_suspects([snap])
    again = snap.dominator_tree()
    assert again[0] is not kept[0]
    np.testing.assert_array_equal(again[0], kept[0])
    np.testing.assert_array_equal(again[1], kept[1])


class _Dominators:
    """Stands for the dominators' thread: done after ``running`` more questions."""

    def __init__(self, running: int) -> None:
        self.running = running

    def done(self) -> bool:
        self.running -= 1
        return self.running < 0


def test_passes_for_the_dominators_wait_start_only_while_the_dominators_run(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import leaktui.snapshot.pipeline as pipeline

    snap = load_snapshot(_series("unbounded-cache")[-1])
    ran: list[str] = []

    def failing(_: object) -> None:
        ran.append("failing")
        raise KeyError("a bug in a pass")

    passes = [lambda _: ran.append("first"), failing, lambda _: ran.append("third")]
    monkeypatch.setattr(pipeline, "WHILE_DOMINATORS", passes)
    snap._while_dominators(_Dominators(running=3))  # type: ignore[arg-type]
    assert ran == ["first", "failing", "third"]  # the failure is dropped, the next one runs
    ran.clear()
    snap._while_dominators(_Dominators(running=1))  # type: ignore[arg-type]
    assert ran == ["first"]  # the dominators ended: the rest is left to whoever asks
    ran.clear()
    snap._while_dominators(_Dominators(running=0))  # type: ignore[arg-type]
    assert ran == []


def test_the_suspects_structure_passes_run_before_the_dominators_and_change_no_suspect(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The passes the suspects register read a snapshot whose dominators are not there yet:
    kept while loading (the dominators held as still running), they give the suspects found
    without them."""
    import leaktui.snapshot.pipeline as pipeline
    from leaktui.snapshot._threads import Beside
    from leaktui.suspects import find_suspects

    for name in SERIES:
        paths = _series(name)
        monkeypatch.setattr(Beside, "done", lambda self: False)
        with_passes = [load_snapshot(p) for p in paths]
        assert {"suspect_chains", "element_counts"} <= set(
            vars(with_passes[-1]).get("_analysis_cache", {}))
        found = [s.to_json() for s in find_suspects(with_passes)]
        monkeypatch.setattr(pipeline, "WHILE_DOMINATORS", [])
        without = [load_snapshot(p) for p in paths]
        assert "suspect_chains" not in vars(without[-1]).get("_analysis_cache", {})
        assert found and found == [s.to_json() for s in find_suspects(without)]
        monkeypatch.undo()
