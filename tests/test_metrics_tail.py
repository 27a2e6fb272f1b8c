"""Following a metrics file: new bytes only, partial lines, truncation, rotation, files rewritten
in place, late creation, garbage, huge files read from their tail, and live watching."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from leaktui.metrics.report import metrics_report
from leaktui.metrics.samples import Sample
from leaktui.metrics.tail import MAX_LINE, READ_CHUNK, TAIL_BYTES, MetricsTail, watch_metrics


def line(ts: float, rss: float) -> str:
    return json.dumps({"ts": ts, "rss": rss, "heapUsed": rss / 2}) + "\n"


def lines(start: int, count: int) -> str:
    return "".join(line(1_700_000_000 + i, i) for i in range(start, start + count))


def rss_of(samples: list[Sample]) -> list[float]:
    return [s.values["rss"] for s in samples]


def append(path: Path, text: str) -> None:
    with path.open("a") as out:
        out.write(text)


def test_only_new_bytes_are_read_on_each_poll(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    f.write_text(lines(0, 3))
    tail = MetricsTail(str(f))
    assert rss_of(tail.poll()) == [0, 1, 2]
    assert tail.poll() == []
    append(f, lines(3, 2))
    assert rss_of(tail.poll()) == [3, 4]
    assert tail.state.offset == f.stat().st_size and tail.count == 5


def test_a_partial_last_line_waits_for_its_end(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    whole = line(1_700_000_001, 7)
    f.write_text(line(1_700_000_000, 1) + whole[:10])
    tail = MetricsTail(str(f))
    assert rss_of(tail.poll()) == [1]
    append(f, whole[10:20])
    assert tail.poll() == []
    append(f, whole[20:])
    assert rss_of(tail.poll()) == [7]
    assert tail.bad_lines == 0


def test_truncation_starts_over_cleanly(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    f.write_text(lines(0, 5))
    tail = MetricsTail(str(f))
    assert len(tail.poll()) == 5
    f.write_text(lines(100, 1))  # same file, shorter
    assert rss_of(tail.poll()) == [100]
    assert tail.state.resets == 1 and tail.bad_lines == 0


def test_a_file_rewritten_in_place_past_the_old_end_is_read_again(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    f.write_text(lines(0, 3))
    tail = MetricsTail(str(f))
    inode = f.stat().st_ino
    assert len(tail.poll()) == 3
    f.write_text(lines(500, 10))  # truncated and refilled before the next poll
    assert f.stat().st_ino == inode
    assert rss_of(tail.poll()) == list(range(500, 510))
    assert tail.state.resets == 1


def test_rotation_to_a_new_file_is_followed(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    f.write_text(lines(0, 3))
    tail = MetricsTail(str(f))
    assert len(tail.poll()) == 3
    os.rename(f, tmp_path / "m.jsonl.1")
    f.write_text(lines(40, 6))  # longer than the old one: only the inode tells
    assert rss_of(tail.poll()) == list(range(40, 46))
    assert tail.state.resets == 1 and "rotated" in tail.state.notes[-1]


def test_deleted_and_recreated_file_is_read_from_its_start(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    f.write_text(lines(0, 3))
    tail = MetricsTail(str(f))
    assert len(tail.poll()) == 3
    f.unlink()
    assert tail.poll() == [] and tail.state.waiting
    f.write_text(lines(60, 8))  # the inode number may well be reused
    assert rss_of(tail.poll()) == list(range(60, 68))
    assert tail.state.resets == 1


def test_a_file_that_does_not_exist_yet_is_waited_for(tmp_path: Path) -> None:
    f = tmp_path / "not" / "yet" / "late.jsonl"
    tail = MetricsTail(str(f))
    assert tail.poll() == [] and tail.state.waiting
    f.parent.mkdir(parents=True)
    f.write_text(lines(0, 1))
    assert len(tail.poll()) == 1 and not tail.state.waiting


def test_garbage_lines_are_counted_never_fatal(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    f.write_text(line(1, 1) + "garbage\n{bad json\n\x00\x01\x02\n" + line(2, 2))
    tail = MetricsTail(str(f))
    assert rss_of(tail.poll()) == [1, 2] and tail.bad_lines == 3


def test_a_line_that_never_ends_is_dropped_as_one_bad_line(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    f.write_text(line(1, 1) + "x" * (3 * MAX_LINE))
    tail = MetricsTail(str(f))
    assert rss_of(tail.poll()) == [1]
    append(f, "y" * MAX_LINE)
    assert tail.poll() == []
    assert len(tail.state.partial) <= MAX_LINE  # not kept in memory
    append(f, "end of it\n" + line(2, 2))
    assert rss_of(tail.poll()) == [2]
    assert tail.bad_lines == 1


def fixed_lines(count: int) -> tuple[str, int]:
    """Lines of one length (the value is zero-padded), and that length."""
    text = [f'{{"ts": {1_700_000_000 + i}, "rss": "{i:09d}"}}\n' for i in range(count)]
    assert len({len(t) for t in text}) == 1
    return "".join(text), len(text[0])


def test_a_huge_file_is_read_from_its_tail(tmp_path: Path) -> None:
    f = tmp_path / "big.jsonl"
    text, width = fixed_lines(3 * TAIL_BYTES // 40)
    f.write_text(text)
    assert f.stat().st_size > 2 * TAIL_BYTES
    tail = MetricsTail(str(f))
    samples = tail.poll()
    total = len(text) // width
    assert len(samples) == TAIL_BYTES // width  # the cut line is skipped, not counted
    assert samples[-1].values["rss"] == total - 1
    assert tail.bad_lines == 0


def test_tail_start_on_a_line_boundary_keeps_that_line(tmp_path: Path) -> None:
    f = tmp_path / "big.jsonl"
    text, width = fixed_lines(200)
    f.write_text(text)
    on_boundary = MetricsTail(str(f), tail_bytes=50 * width)
    assert rss_of(on_boundary.poll()) == list(range(150, 200))
    mid_line = MetricsTail(str(f), tail_bytes=50 * width + 7)
    assert rss_of(mid_line.poll()) == list(range(150, 200))
    assert on_boundary.bad_lines == mid_line.bad_lines == 0


def test_a_huge_csv_file_read_from_its_tail_keeps_its_header(tmp_path: Path) -> None:
    f = tmp_path / "big.csv"
    rows = [f"{1_700_000_000 + i},{1000 + i},{500 + i}\n" for i in range(5000)]
    f.write_text("ts,rss,heapUsed\n" + "".join(rows))
    tail = MetricsTail(str(f), tail_bytes=len(rows[-1]) * 100 + 5)
    samples = tail.poll()
    assert len(samples) == 100 and tail.bad_lines == 0
    assert samples[-1] == Sample(1_700_004_999.0, {"rss": 5999.0, "heapUsed": 5499.0})


def test_bounded_polls_and_read_all_cover_the_whole_file(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    text, width = fixed_lines(3 * READ_CHUNK // 40)
    f.write_text(text)
    tail = MetricsTail(str(f), tail_bytes=None)
    first = tail.poll(max_bytes=1)  # one chunk only
    assert len(first) == READ_CHUNK // width and tail.state.offset == READ_CHUNK
    rest = tail.read_all()
    assert len(first) + len(rest) == len(text) // width
    assert rest.column("rss")[-1] == len(text) // width - 1


def test_a_final_line_without_newline_counts_in_a_report(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text("time,rss\n1700000000,10\n1700000001,20")  # hand-made, no final newline
    tail = MetricsTail(str(f))
    assert rss_of(tail.poll()) == [10]
    assert rss_of(tail.flush()) == [20]
    assert metrics_report(str(f))["samples"] == 2


# -- watching ------------------------------------------------------------------------------


async def next_samples(gen: AsyncIterator[list[Sample]], timeout: float) -> list[Sample]:
    """The next non-empty batch within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        batch = await asyncio.wait_for(gen.__anext__(), max(deadline - time.monotonic(), 0.01))
        if batch:
            return batch


# The waits below are deadlines for a loaded machine, not the latency under test: a line
# appended before the watcher is up is still found by the periodic check (poll_interval).
WAIT = 30.0


@pytest.mark.parametrize("poll", [False, True], ids=["events", "polling"])
async def test_watch_yields_each_appended_line_as_its_own_batch(tmp_path: Path,
                                                                poll: bool) -> None:
    f = tmp_path / "m.jsonl"
    f.write_text(lines(0, 2))
    gen = watch_metrics(str(f), poll=poll, poll_interval=0.5)
    try:
        assert rss_of(await next_samples(gen, WAIT)) == [0, 1]
        for value in (2, 3):
            append(f, line(1_700_000_000 + value, value))
            assert rss_of(await next_samples(gen, WAIT)) == [value]
    finally:
        await gen.aclose()


async def test_watch_waits_for_late_creation_and_follows_rotation(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    tail = MetricsTail(str(f))
    gen = watch_metrics(str(f), tail=tail, poll_interval=0.5)
    try:
        assert await gen.__anext__() == [] and tail.state.waiting
        f.write_text(lines(0, 2))
        assert rss_of(await next_samples(gen, WAIT)) == [0, 1]
        os.rename(f, tmp_path / "m.jsonl.1")
        f.write_text(lines(10, 3))
        assert rss_of(await next_samples(gen, WAIT)) == [10, 11, 12]
        assert tail.state.resets == 1
    finally:
        await gen.aclose()


async def test_watch_polls_when_the_directory_does_not_exist_yet(tmp_path: Path) -> None:
    f = tmp_path / "later" / "m.jsonl"
    gen = watch_metrics(str(f), poll_interval=0.1)
    try:
        assert await gen.__anext__() == []
        f.parent.mkdir()
        f.write_text(lines(0, 1))
        assert rss_of(await next_samples(gen, WAIT)) == [0]
    finally:
        await gen.aclose()


async def test_watch_reports_garbage_without_samples(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    f.write_text(lines(0, 1))
    tail = MetricsTail(str(f))
    gen = watch_metrics(str(f), tail=tail, poll_interval=0.5)
    try:
        await gen.__anext__()
        append(f, "not a sample\n")
        assert await asyncio.wait_for(gen.__anext__(), WAIT) == []
        assert tail.bad_lines == 1
    finally:
        await gen.aclose()
