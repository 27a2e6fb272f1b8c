"""Decoding metrics lines: JSON Lines and CSV, every time format, garbage counted."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from leaktui.errors import LeakTuiError
from leaktui.metrics.samples import LineParser, Sample, SampleTable, parse_time
from leaktui.units import format_size, parse_duration, parse_size

MOMENT = dt.datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=dt.timezone.utc)
EPOCH_S = MOMENT.timestamp()


def test_epoch_seconds_milliseconds_microseconds_and_nanoseconds_are_told_apart() -> None:
    assert parse_time(EPOCH_S) == pytest.approx(EPOCH_S)
    assert parse_time(int(EPOCH_S * 1e3)) == pytest.approx(EPOCH_S)
    assert parse_time(int(EPOCH_S * 1e6)) == pytest.approx(EPOCH_S)
    assert parse_time(int(EPOCH_S * 1e9)) == pytest.approx(EPOCH_S)
    assert parse_time(str(int(EPOCH_S * 1e3))) == pytest.approx(EPOCH_S)  # numeric text


def test_iso_8601_times_with_zone_z_or_none_are_understood_naive_as_utc() -> None:
    assert parse_time(MOMENT.isoformat()) == pytest.approx(EPOCH_S)
    assert parse_time(MOMENT.strftime("%Y-%m-%dT%H:%M:%S.%fZ")) == pytest.approx(EPOCH_S)
    naive = MOMENT.replace(tzinfo=None).isoformat()
    assert parse_time(naive) == pytest.approx(EPOCH_S)
    shifted = MOMENT.astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat()
    assert parse_time(shifted) == pytest.approx(EPOCH_S)


@pytest.mark.parametrize("bad", ["yesterday", "", True, None, -5, 0, float("nan"), [1]])
def test_unreadable_times_are_none(bad: object) -> None:
    assert parse_time(bad) is None


def test_json_lines_take_ts_time_or_timestamp_and_the_memory_usage_fields() -> None:
    p = LineParser()
    usage = {"rss": 100, "heapTotal": 80, "heapUsed": 60, "external": 9, "arrayBuffers": 3}
    for key in ("ts", "time", "timestamp"):
        s = p.parse(json.dumps({key: EPOCH_S * 1000, **usage}).encode())
        assert s is not None and s.ts == pytest.approx(EPOCH_S)
        assert s.values == {k: float(v) for k, v in usage.items()}
    gc = p.parse(b'{"ts": 1700000000, "heapUsed": 5, "gcCount": 3, "gcMajor": 1, '
                 b'"gcPauseMs": 2.5, "pid": 42, "other": [1, {"x": 2}]}')
    assert gc is not None
    assert gc.values == {"heapUsed": 5.0, "gcCount": 3.0, "gcMajor": 1.0, "gcPauseMs": 2.5,
                         "pid": 42.0}
    assert p.bad_lines == 0


@pytest.mark.parametrize("line", [
    b"this is not a sample",
    b'{"ts": 1700000000, "nothing": 2}',  # no memory field
    b'{"rss": 5}',  # no time
    b'{"ts": 1700000000, "rss": true}',
    b'{"ts": 1700000000, "rss": "lots"}',
    b'{"ts": 1700000000, "rss": -1}',
    b'{"ts": "soon", "rss": 1}',
    b'{"ts": 1700000000, "rss": 1',  # cut short
    b"[1, 2, 3]",
    b"\xff\xfe\x00garbage",
])
def test_garbage_lines_are_counted_and_give_no_sample(line: bytes) -> None:
    p = LineParser()
    assert p.parse(line) is None
    assert p.bad_lines == 1


def test_blank_lines_are_neither_samples_nor_garbage() -> None:
    p = LineParser()
    assert p.parse(b"") is None and p.parse(b"   \r") is None
    assert p.bad_lines == 0


def test_csv_with_a_header_row_in_any_column_order() -> None:
    p = LineParser()
    assert p.parse(b"heapUsed,time,rss,extra") is None  # the header
    row = p.parse(b"50,1700000000,100,whatever\r")
    assert row == Sample(1700000000.0, {"rss": 100.0, "heapUsed": 50.0})
    assert p.bad_lines == 0


def test_csv_quoted_cells_byte_order_mark_empty_cells_and_iso_times() -> None:
    p = LineParser()
    assert p.parse(b'\xef\xbb\xbf"timestamp","rss","external"') is None
    row = p.parse(b'"2023-11-14T22:13:20.5Z","100",')
    assert row is not None and row.ts == pytest.approx(EPOCH_S)
    assert row.values == {"rss": 100.0}  # the empty cell is simply absent


def test_csv_rows_before_a_header_or_of_the_wrong_width_are_garbage() -> None:
    p = LineParser()
    assert p.parse(b"1700000000,100") is None
    p.parse(b"ts,rss")
    assert p.parse(b"1700000000,100,7") is None
    assert p.parse(b"1700000000,nan") is None
    assert p.bad_lines == 3


def test_sample_table_keeps_columns_with_gaps_as_nan() -> None:
    samples = [Sample(float(i), {"rss": float(10 * i)} if i % 2 else {"heapUsed": float(i)})
               for i in range(3000)]  # past the initial capacity
    table = SampleTable.of(samples)
    assert len(table) == len(samples)
    assert np.array_equal(table.ts, np.arange(len(samples), dtype=float))
    rss = table.column("rss")
    assert np.isnan(rss[::2]).all() and np.array_equal(rss[1::2], 10 * table.ts[1::2])
    assert table.has("rss") and table.has("heapUsed") and not table.has("external")
    later = table.since(2000)
    assert len(later) == 1000 and later.ts[0] == 2000
    only_heap = table.take(~np.isnan(table.column("heapUsed")))
    assert not only_heap.has("rss") and len(only_heap) == len(samples) // 2


def test_sizes_and_durations_on_the_command_line() -> None:
    assert parse_size("2G") == 2 * 1000**3  # decimal, as sizes are printed
    assert parse_size("1.5GiB") == int(1.5 * 1024**3)  # binary only when spelled so
    assert parse_size("800m") == 800 * 1000**2
    assert parse_size("64kB") == 64_000 and parse_size("3MiB") == 3 * 1024**2
    assert parse_size("4096") == 4096
    assert parse_duration("90") == 90 and parse_duration("15m") == 15 * 60
    assert parse_duration("2h") == 2 * 3600
    for bad in ("lots", "-1G", "inf", "0"):
        with pytest.raises(LeakTuiError):
            parse_size(bad)
    with pytest.raises(LeakTuiError):
        parse_duration("soon")
    assert format_size(1_234_567) == "1.2 MB" and format_size(96) == "96 B"
    assert format_size(parse_size("200M")) == "200.0 MB"  # parsed and printed alike
