"""String spans (each string's start and end offset in the strings section) are uint32 below
`strings.SPANS_32_BIT_LIMIT` bytes of strings and int64 at or above it; the two give the same
report, suspects, duplicated strings and search hits."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest

from leaktui import cli
from leaktui.snapshot import load_snapshot, strings

ROOT = Path(__file__).resolve().parents[1]
SERIES = sorted(str(p) for p in (ROOT / "snapshots_sample" / "unbounded-cache").glob("*.gz"))


def _report(*extra: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli.main(["report", "--format", "json", *extra, *SERIES])
    return out.getvalue()


def test_spans_are_uint32_below_the_limit_and_int64_at_it(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_snapshot(SERIES[-1]).strings.raw_spans()[1].dtype == np.uint32
    monkeypatch.setattr(strings, "SPANS_32_BIT_LIMIT", 0)
    assert load_snapshot(SERIES[-1]).strings.raw_spans()[1].dtype == np.int64


def test_report_is_identical_with_uint32_and_int64_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    narrow = _report("--find", "user")
    monkeypatch.setattr(strings, "SPANS_32_BIT_LIMIT", 0)
    wide = _report("--find", "user")
    assert '"found"' in narrow and '"duplicate_strings"' in narrow and '"suspects"' in narrow
    assert narrow == wide
