"""A series can't mislead: snapshots of one process are analysed oldest first by their content
(V8's object ids only grow within a process) whatever the order they are given in, and the report
says it reordered; snapshots of different processes are named as such and the analyses that
follow objects by id are off; a file that cannot be read is left out and named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_series
from tui_support import wait_until

from leaktui.snapshot import load_snapshot
from leaktui.snapshot.series import MAX_DISAGREEMENT, disagreement, order_series
from leaktui.tui.app import LeakApp

MINI = Path(__file__).parent / "data" / "mini.heapsnapshot"


def report(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "leaktui.cli", "report", *args],
                          capture_output=True, text=True, timeout=300)


def report_json(paths: list[Path]) -> dict:  # type: ignore[type-arg]
    done = report("--format", "json", *map(str, paths))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def eleven(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """app-1 ... app-11 of one process, in the order they were taken."""
    out = write_series("numbered_series.js", tmp_path_factory.mktemp("eleven"), "11")
    return sorted(out, key=lambda p: int(p.stem.split("-")[1]))


@pytest.fixture(scope="module")
def other_runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The same program run again (another process) and another program."""
    again = write_series("numbered_series.js", tmp_path_factory.mktemp("again"), "3")
    other = write_series("growing_map.js", tmp_path_factory.mktemp("other"))
    return [again[-1], other[1]]


def test_unpadded_series_from_a_glob_is_analysed_in_the_order_it_was_taken(
    eleven: list[Path],
) -> None:
    globbed = sorted(eleven[0].parent.glob("app-*.heapsnapshot"))  # 1, 10, 11, 2, ...
    assert globbed != eleven
    data = report_json(globbed)
    assert [s["path"] for s in data["snapshots"]] == [str(p) for p in eleven]
    assert len(data["warnings"]) == 1 and "reordered" in data["warnings"][0]
    assert data["suspects"] and data["suspects"][0]["severity"] == "high"
    top = data["suspects"][0]
    assert top["items"]["counts"] == sorted(top["items"]["counts"])
    in_order = report_json(eleven)
    assert in_order["warnings"] == []
    assert in_order["suspects"][0]["items"] == top["items"]
    assert in_order["diff"]["growing"] == data["diff"]["growing"]


def test_shuffled_series_gives_the_report_of_the_ordered_one_and_says_so(
    eleven: list[Path],
) -> None:
    three = [eleven[0], eleven[4], eleven[9]]
    shuffled = [three[2], three[0], three[1]]
    data, ordered = report_json(shuffled), report_json(three)
    assert [s["path"] for s in data["snapshots"]] == [str(p) for p in three]
    assert "reordered" in data["warnings"][0] and ordered["warnings"] == []
    for key in ("suspects", "diff"):
        assert data[key] == ordered[key], key
    text = report("--format", "markdown", *map(str, shuffled))
    assert "## Warnings" in text.stdout and "reordered" in text.stdout


def test_one_process_shares_ids_with_the_same_classes_two_runs_do_not(
    eleven: list[Path], other_runs: list[Path],
) -> None:
    first, later = load_snapshot(str(eleven[0])), load_snapshot(str(eleven[5]))
    shared, share = disagreement(first, later)
    assert shared > 1000 and share <= MAX_DISAGREEMENT / 10
    for path in other_runs:  # the same program again, another program
        shared, share = disagreement(first, load_snapshot(str(path)))
        assert shared > 1000 and share > MAX_DISAGREEMENT, (path.name, share)


def test_snapshots_of_different_processes_warn_and_follow_no_object_by_id(
    eleven: list[Path], other_runs: list[Path],
) -> None:
    mixed = [eleven[0], *other_runs]
    series = order_series([load_snapshot(str(p)) for p in mixed])
    assert not series.one_process
    data = report_json(mixed)
    assert any("not snapshots of one process" in w for w in data["warnings"]), data["warnings"]
    assert data["diff"]["classes"]  # the class comparison stays
    assert data["diff"]["growing"] == [] and data["diff"]["survivors"] == []
    assert all(len(s["items"]["counts"]) == 1 for s in data["suspects"])  # no growth claimed
    assert not [s for s in data["suspects"] if s["severity"] == "high"]


def test_a_series_with_a_corrupt_file_opens_the_rest_and_names_it(
    eleven: list[Path], tmp_path: Path,
) -> None:
    cut = tmp_path / "app-cut.heapsnapshot"
    cut.write_bytes(eleven[5].read_bytes()[:5000])
    data = report_json([eleven[0], cut, eleven[9]])
    assert [s["path"] for s in data["snapshots"]] == [str(eleven[0]), str(eleven[9])]
    assert len(data["warnings"]) == 1 and str(cut) in data["warnings"][0]
    text = report("--format", "text", str(eleven[0]), str(cut))
    assert text.returncode == 0 and str(cut) in text.stdout
    alone = report("--format", "json", str(cut))
    assert alone.returncode == 2 and alone.stdout == "" and str(cut) in alone.stderr


async def test_tui_opens_the_rest_of_a_series_and_says_which_file_was_left_out(
    eleven: list[Path], tmp_path: Path,
) -> None:
    cut = tmp_path / "app-cut.heapsnapshot"
    cut.write_bytes(eleven[5].read_bytes()[:5000])
    app = LeakApp([str(eleven[9]), str(cut), str(eleven[0])])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.snaps or app.load_error, timeout=120)
        assert app.load_error is None
        assert [s.path for s in app.snaps] == [str(eleven[0]), str(eleven[9])]
        assert any(str(cut) in w for w in app.warnings)
        assert any("reordered" in w for w in app.warnings)
        header = str(app.query_one("#header").render())
        assert header.startswith("! 2 warnings: ") and "app-cut.heapsnapshot" in header
        await pilot.press("q")


@pytest.mark.parametrize("shuffled", [False, True])
def test_ids_found_by_merge_are_those_a_binary_search_finds(shuffled: bool) -> None:
    """`kernels.ordinals_of_sorted_ids` (ids looked up from where the previous one was, as
    V8's nearly increasing ids allow) and `id_agreement` give the binary search's answers
    whatever the order of the keys, including ids absent, negative or past 32 bits."""
    import numpy as np

    from leaktui.snapshot import kernels as k

    rng = np.random.default_rng(17)
    ids = np.unique(rng.integers(0, 2**32, 20_000)).astype(np.uint32)
    node_id = ids.copy()
    swap = rng.choice(ids.size, 200, replace=False)  # a few out of order, as in V8's files
    node_id[swap] = node_id[swap[::-1]]
    order = np.argsort(node_id, kind="stable")
    sorted_ids = node_id[order]
    keys = np.concatenate([node_id.astype(np.int64), rng.integers(0, 2**32, 5000),
                           [-1, 2**32, 2**40, int(ids[0]), int(ids[-1])]])
    if shuffled:
        rng.shuffle(keys)
    pos = np.minimum(np.searchsorted(sorted_ids.astype(np.int64), keys), sorted_ids.size - 1)
    expected = np.where(sorted_ids[pos] == keys, order[pos], -1)
    assert np.array_equal(k.ordinals_of_sorted_ids(sorted_ids, order, keys), expected)

    new_ids = keys[(keys >= 0) & (keys < 2**32)].astype(np.uint32)
    old_class = rng.integers(0, 5, node_id.size).astype(np.int32)
    new_class = rng.integers(0, 5, new_ids.size).astype(np.int32)
    old_type = rng.integers(0, 3, node_id.size).astype(np.uint8)
    new_type = rng.integers(0, 3, new_ids.size).astype(np.uint8)
    code_old, code_new = np.arange(5, dtype=np.int64), np.array([1, 0, 2, 3, 4], np.int64)
    limit = int(ids[ids.size // 2])
    sel = np.flatnonzero((new_ids % 2 == 1) & (new_ids.astype(np.int64) <= limit))
    ords = k.ordinals_of_sorted_ids(sorted_ids, order, new_ids[sel].astype(np.int64))
    found = ords >= 0
    agree = ((code_new[new_class[sel[found]]] == code_old[old_class[ords[found]]])
             & (new_type[sel[found]] == old_type[ords[found]]))
    assert k.id_agreement(sorted_ids, order, old_class, code_old, old_type, new_ids,
                          new_class, code_new, new_type, limit) == (sel.size, int(agree.sum()))
