"""Decode metrics lines: JSON Lines (`{ts, rss, heapUsed, ...}`) or CSV with a header row.

Times may be epoch milliseconds, epoch seconds (or micro/nanoseconds) or ISO 8601, under
`ts`, `time` or `timestamp`. Memory fields are the names of `process.memoryUsage()`; the
preload adds GC counters (`gcCount`, `gcMajor`, `gcPauseMs`), the heap in use right after
collections (`heapUsedAfterGc`) and the writer's `pid`.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence

import msgspec
import numpy as np

SERIES = ("rss", "heapTotal", "heapUsed", "external", "arrayBuffers")
TIME_KEYS = ("ts", "time", "timestamp")
GC_KEYS = ("gcCount", "gcMajor", "gcPauseMs")
PID_KEY = "pid"
FLOOR_KEY = "heapUsedAfterGc"  # the lowest heapUsed right after a GC in the interval
VALUE_KEYS = SERIES + GC_KEYS + (PID_KEY, FLOOR_KEY)

# A number above these is not epoch seconds but a finer unit (1e11 s is the year 5138).
_MS_ABOVE, _US_ABOVE, _NS_ABOVE = 1e11, 1e14, 1e17
_ISO_FRACTION = re.compile(r"\.(\d+)")

Number = int | float
Loose = float | str | None  # numbers may arrive quoted


class Sample(msgspec.Struct, frozen=True, gc=False):
    """One reading: epoch seconds and the fields it carried (bytes, counters, pid)."""

    ts: float
    values: dict[str, float]


class JsonRow(msgspec.Struct):
    """One JSON line as the preload (or `{ts: Date.now(), ...process.memoryUsage()}`) writes
    it; unknown fields are ignored."""

    ts: Number | str | None = None
    time: Number | str | None = None
    timestamp: Number | str | None = None
    rss: Loose = None
    heapTotal: Loose = None
    heapUsed: Loose = None
    external: Loose = None
    arrayBuffers: Loose = None
    gcCount: Loose = None
    gcMajor: Loose = None
    gcPauseMs: Loose = None
    pid: Loose = None
    heapUsedAfterGc: Loose = None


_row_decoder = msgspec.json.Decoder(JsonRow)


def parse_time(value: object) -> float | None:
    """Epoch seconds from epoch s/ms/µs/ns (number or numeric text) or an ISO 8601 string
    (naive times are UTC)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        v = float(value)
        if not math.isfinite(v) or v <= 0:
            return None
        if v > _NS_ABOVE:
            return v / 1e9
        if v > _US_ABOVE:
            return v / 1e6
        if v > _MS_ABOVE:
            return v / 1e3
        return v
    if isinstance(value, str):
        text = value.strip()
        try:
            return parse_time(float(text))
        except ValueError:
            pass
        when = _from_iso(text)
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        return when.timestamp()
    return None


def _from_iso(text: str) -> dt.datetime | None:
    """An ISO 8601 time. Python 3.10 reads only what isoformat() writes, so a trailing `Z` and
    fractions of other than 3 or 6 digits (JavaScript's toISOString writes both) are put in
    that form first."""
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    text = _ISO_FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _number(value: object) -> float | None:
    """A finite, non-negative number from a number or numeric text; None when absent or bad."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, int | float):
        return None
    v = float(value)
    return v if math.isfinite(v) and v >= 0 else None


def sample_from_fields(times: Sequence[object], fields: Mapping[str, object]) -> Sample | None:
    """A sample from the first present time value and the value fields, or None when the time
    is unreadable, a present field is not a number, or no memory series is given."""
    ts = next((parse_time(t) for t in times if t is not None and t != ""), None)
    if ts is None:
        return None
    values: dict[str, float] = {}
    for key in VALUE_KEYS:
        raw = fields.get(key)
        if raw is None or raw == "":
            continue
        v = _number(raw)
        if v is None:
            return None
        values[key] = v
    if not any(k in values for k in SERIES):
        return None
    return Sample(ts, values)


def parse_json_line(line: bytes) -> Sample | None:
    try:
        row = _row_decoder.decode(line)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    fields = {k: getattr(row, k) for k in VALUE_KEYS}
    return sample_from_fields((row.ts, row.time, row.timestamp), fields)


def split_csv(text: str) -> list[str]:
    if '"' not in text:
        return [c.strip() for c in text.split(",")]
    return [c.strip() for c in next(csv.reader([text]))]


def is_csv_header(cells: Sequence[str]) -> bool:
    return any(c in TIME_KEYS for c in cells) and any(c in SERIES for c in cells)


class LineParser:
    """Turns complete lines into samples; remembers a CSV header when it sees one."""

    def __init__(self) -> None:
        self.csv_header: list[str] | None = None
        self.bad_lines = 0

    def reset(self) -> None:
        """A new file (truncated or rotated): forget its CSV header."""
        self.csv_header = None

    def learn_header(self, line: bytes) -> bool:
        """Take ``line`` as the CSV header if it is one (used when reading starts mid-file)."""
        cells = split_csv(line.decode("utf-8", "replace").lstrip("\ufeff"))
        if is_csv_header(cells):
            self.csv_header = cells
            return True
        return False

    def parse(self, line: bytes) -> Sample | None:
        """A sample, or None for blank lines, CSV headers and garbage (garbage is counted)."""
        text = line.strip()
        if text.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark on the first line
            text = text[3:]
        if not text:
            return None
        sample: Sample | None = None
        if text.startswith(b"{"):
            sample = parse_json_line(text)
        else:
            try:
                cells = split_csv(text.decode("utf-8"))
            except (UnicodeDecodeError, csv.Error):
                cells = []
            if is_csv_header(cells):
                self.csv_header = cells
                return None
            header = self.csv_header
            if header is not None and len(cells) == len(header):
                row = dict(zip(header, cells, strict=True))
                sample = sample_from_fields([row.get(k) for k in TIME_KEYS], row)
        if sample is None:
            self.bad_lines += 1
        return sample


class SampleTable:
    """Samples as columns: a time array and one float column per field (NaN where a sample
    lacks it). Cheap to extend and to compute on; holds a long file without a Python object
    per sample."""

    KEYS = VALUE_KEYS

    def __init__(self, capacity: int = 1024) -> None:
        self._data = np.full((max(capacity, 16), 1 + len(self.KEYS)), np.nan)
        self._n = 0
        self._seen: set[str] = set()

    @classmethod
    def of(cls, samples: SampleTable | Iterable[Sample]) -> SampleTable:
        if isinstance(samples, SampleTable):
            return samples
        table = cls()
        table.extend(samples)
        return table

    @classmethod
    def from_columns(cls, ts: np.ndarray, columns: Mapping[str, np.ndarray]) -> SampleTable:
        """A table from a time array and whole columns (same length; NaN where absent)."""
        table = cls(len(ts))
        table._data[: len(ts), 0] = ts
        for key, values in columns.items():
            table._data[: len(ts), 1 + cls.KEYS.index(key)] = values
            if not np.isnan(values).all():
                table._seen.add(key)
        table._n = len(ts)
        return table

    def __len__(self) -> int:
        return self._n

    def extend(self, samples: Iterable[Sample]) -> None:
        batch = samples if isinstance(samples, list) else list(samples)
        need = self._n + len(batch)
        if need > len(self._data):
            grown = np.full((max(need, 2 * len(self._data)), self._data.shape[1]), np.nan)
            grown[: self._n] = self._data[: self._n]
            self._data = grown
        index = {k: 1 + i for i, k in enumerate(self.KEYS)}
        for row, sample in enumerate(batch, start=self._n):
            self._data[row, 0] = sample.ts
            for key, value in sample.values.items():
                col = index.get(key)
                if col is not None:
                    self._data[row, col] = value
                    self._seen.add(key)
        self._n = need

    @property
    def ts(self) -> np.ndarray:
        return self._data[: self._n, 0]

    def has(self, key: str) -> bool:
        return key in self._seen

    def column(self, key: str) -> np.ndarray:
        """The values of ``key`` for every sample (NaN where absent)."""
        return self._data[: self._n, 1 + self.KEYS.index(key)]

    def since(self, row: int) -> SampleTable:
        """The samples from ``row`` on (a copy)."""
        return self.take(np.arange(row, self._n))

    def take(self, rows: np.ndarray) -> SampleTable:
        """The samples at ``rows`` (indices or a boolean mask), as a new table."""
        data = self._data[: self._n][rows]
        part = SampleTable(len(data))
        part._data[: len(data)] = data
        part._n = len(data)
        part._seen = {k for k in self._seen if not np.isnan(part.column(k)).all()}
        return part
