"""Decode metrics lines: JSON Lines (`{ts, rss, heapUsed, ...}`) or CSV with a header row.

Times may be epoch milliseconds, epoch seconds or ISO 8601, under `ts`, `time` or
`timestamp`. Memory fields are the names of `process.memoryUsage()`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import msgspec

SERIES = ("rss", "heapTotal", "heapUsed", "external", "arrayBuffers")
TIME_KEYS = ("ts", "time", "timestamp")
GC_KEYS = ("gcCount", "gcMajor", "gcPauseMs")

_decoder = msgspec.json.Decoder(dict[str, Any])


@dataclass(frozen=True)
class Sample:
    ts: float  # epoch seconds
    values: dict[str, float]


def parse_time(value: Any) -> float | None:
    """Epoch seconds from epoch ms, epoch s or an ISO 8601 string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        v = float(value)
        if v <= 0:
            return None
        return v / 1000.0 if v > 1e11 else v
    if isinstance(value, str):
        text = value.strip()
        try:
            return parse_time(float(text))
        except ValueError:
            pass
        try:
            when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return when.timestamp()
    return None


def sample_from_mapping(row: dict[str, Any]) -> Sample | None:
    ts = None
    for key in TIME_KEYS:
        if key in row:
            ts = parse_time(row[key])
            break
    if ts is None:
        return None
    values: dict[str, float] = {}
    for key in SERIES + GC_KEYS:
        v = row.get(key)
        if isinstance(v, int | float) and not isinstance(v, bool) and v >= 0:
            values[key] = float(v)
        elif isinstance(v, str):
            try:
                values[key] = float(v)
            except ValueError:
                return None
    if not any(k in values for k in SERIES):
        return None
    return Sample(ts, values)


def parse_json_line(line: bytes) -> Sample | None:
    try:
        row = _decoder.decode(line)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    return sample_from_mapping(row)


class LineParser:
    """Turns complete lines into samples; remembers a CSV header when it sees one."""

    def __init__(self) -> None:
        self.csv_header: list[str] | None = None
        self.bad_lines = 0

    def reset(self) -> None:
        self.csv_header = None

    def parse(self, line: bytes) -> Sample | None:
        """A sample, or None for blank lines, CSV headers and garbage (garbage is counted)."""
        text = line.strip()
        if not text:
            return None
        if text.startswith(b"{"):
            sample = parse_json_line(text)
        else:
            cells = [c.strip().strip('"') for c in text.decode("utf-8", "replace").split(",")]
            if any(c in TIME_KEYS for c in cells) and any(c in SERIES for c in cells):
                self.csv_header = cells
                return None
            sample = None
            if self.csv_header is not None and len(cells) == len(self.csv_header):
                sample = sample_from_mapping(dict(zip(self.csv_header, cells, strict=True)))
        if sample is None:
            self.bad_lines += 1
        return sample
