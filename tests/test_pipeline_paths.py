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


def test_dominator_work_arrays_faulted_in_beside_give_the_same_dominators(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """From `pipeline.PREFAULT_NODES` on, the dominator kernel gets its work arrays from a
    thread that made them while the essential edges were marked (the samples are below it:
    lowered to 0 here)."""
    import leaktui.snapshot.kernels as k
    import leaktui.snapshot.pipeline as pipeline

    path = _series("unbounded-cache")[-1]
    given: list[bool] = []
    real = k.dominators_and_retained

    def spy(*args: Any) -> Any:
        given.append(args[-1] is not None)
        return real(*args)

    monkeypatch.setattr(k, "dominators_and_retained", spy)
    own = load_snapshot(path)
    monkeypatch.setattr(pipeline, "PREFAULT_NODES", 0)
    prefaulted = load_snapshot(path)
    assert given == [False, True]
    for key in ARRAYS:
        np.testing.assert_array_equal(getattr(own, key), getattr(prefaulted, key), err_msg=key)


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


def test_passes_run_on_their_own_thread_once_the_classes_are_named(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each registered pass runs, once the classes are named, on a thread beside the loading
    one (which does not wait for them); one that fails is dropped and the next one runs;
    `finish_passes` waits for them all."""
    import threading

    import leaktui.snapshot.pipeline as pipeline

    ran: list[tuple[str, str, bool]] = []
    release = threading.Event()

    def record(label: str) -> Any:
        def work(snap: Any) -> None:
            release.wait(30)  # still running when the load returns
            ran.append((label, threading.current_thread().name, len(snap.class_names) > 0))
            if label == "failing":
                raise KeyError("a bug in a pass")
        return work

    monkeypatch.setattr(pipeline, "AFTER_CLASSES",
                        [record("first"), record("failing"), record("third")])
    snap = load_snapshot(_series("unbounded-cache")[-1])
    assert ran == []  # the load did not wait for them
    release.set()
    snap.finish_passes()
    assert ran == [("first", "leaktui-passes", True), ("failing", "leaktui-passes", True),
                   ("third", "leaktui-passes", True)]
    snap.finish_passes()  # nothing left to wait for


def test_no_passes_run_for_a_snapshot_loaded_without_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import leaktui.snapshot.pipeline as pipeline

    ran: list[object] = []
    monkeypatch.setattr(pipeline, "AFTER_CLASSES", [ran.append])
    with pipeline.no_passes_beside():
        snap = load_snapshot(_series("unbounded-cache")[-1])
    snap.finish_passes()
    assert ran == []
    again = load_snapshot(_series("unbounded-cache")[-1])  # outside the block: they run
    again.finish_passes()
    assert ran == [again]


def test_the_suspects_structure_passes_find_what_the_detectors_read_and_change_no_suspect(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The passes the suspects register fill the snapshot's cache beside the loading thread;
    the suspects found with them are those found without them."""
    import leaktui.snapshot.pipeline as pipeline
    from leaktui.suspects import find_suspects

    for name in SERIES:
        paths = _series(name)
        with_passes = [load_snapshot(p) for p in paths]
        with_passes[-1].finish_passes()
        assert {"suspect_chains", "element_counts"} <= set(
            vars(with_passes[-1]).get("_analysis_cache", {}))
        found = [s.to_json() for s in find_suspects(with_passes)]
        monkeypatch.setattr(pipeline, "AFTER_CLASSES", [])
        without = [load_snapshot(p) for p in paths]
        assert "suspect_chains" not in vars(without[-1]).get("_analysis_cache", {})
        assert found and found == [s.to_json() for s in find_suspects(without)]
        monkeypatch.undo()
