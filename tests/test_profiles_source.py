"""Source lines around a site: read from this host for paths and file:// URLs, None (never an
exception) for everything that is not a readable regular file, and only as much of a file as
the lines asked for."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from profiles_support import LEAK_CJS, LEAK_ESM, heap_prof, line_of

from leaktui.profiles.heapprofile import load_profile
from leaktui.profiles.source import (
    MAX_LINE_CHARS,
    MAX_READ_BYTES,
    read_source_lines,
    script_path,
)


def test_lines_around_a_site_are_the_file_lines_numbered_from_one() -> None:
    lines = LEAK_CJS.read_text().splitlines()
    line, _ = line_of(LEAK_CJS, "function retainRequest")
    excerpt = read_source_lines(str(LEAK_CJS), line, context=2)
    assert excerpt is not None
    assert (excerpt.first_line, excerpt.focus, excerpt.last_line) == (line - 2, line, line + 2)
    assert list(excerpt.lines) == lines[line - 3:line + 2]
    assert excerpt.numbered() == [(n, lines[n - 1]) for n in range(line - 2, line + 3)]
    assert "function retainRequest" in excerpt.focus_text


def test_excerpts_are_clipped_at_both_ends_of_the_file() -> None:
    lines = LEAK_CJS.read_text().splitlines()
    start = read_source_lines(str(LEAK_CJS), 1, context=5)
    end = read_source_lines(str(LEAK_CJS), len(lines), context=5)
    assert start is not None and start.first_line == 1 and len(start.lines) == 6
    assert end is not None and end.last_line == len(lines) and end.focus_text == lines[-1]


def test_a_site_of_an_es_module_profile_opens_through_its_file_url(tmp_path: Path) -> None:
    site = load_profile(str(heap_prof(LEAK_ESM, tmp_path))).sites()[0]
    assert site.script.startswith("file://")
    excerpt = read_source_lines(site.script, site.line, column=site.column)
    assert excerpt is not None and excerpt.path == str(LEAK_ESM)
    assert "function retainRequest" in excerpt.focus_text


def test_file_urls_are_decoded(tmp_path: Path) -> None:
    script = tmp_path / "a dir" / "mod é.mjs"
    script.parent.mkdir()
    script.write_text("one\ntwo\n")
    assert script_path(script.as_uri()) == str(script)
    excerpt = read_source_lines(script.as_uri(), 2, context=0)
    assert excerpt is not None and excerpt.lines == ("two",)


@pytest.mark.parametrize("script", ["node:internal/modules/cjs/loader", "internal/bootstrap",
                                    "evalmachine.<anonymous>", "[eval]", "relative/app.js",
                                    "https://example.com/app.js", "file://otherhost/app.js", ""])
def test_scripts_that_are_not_local_files_give_none(script: str) -> None:
    assert read_source_lines(script, 1) is None


def test_unreadable_targets_give_none_without_raising(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.js"
    os.mkfifo(fifo)  # opening it for reading would block without a writer
    assert read_source_lines(str(fifo), 1) is None  # returns: never waits for a writer
    assert read_source_lines(str(tmp_path), 1) is None  # a directory
    assert read_source_lines(str(tmp_path / "gone.js"), 1) is None
    assert read_source_lines("/dev/zero", 1) is None  # a device, endless
    short = tmp_path / "short.js"
    short.write_text("only\n")
    assert read_source_lines(str(short), 2) is None  # no such line: the file changed
    assert read_source_lines(str(short), 0) is None


def test_only_the_lines_wanted_are_read(tmp_path: Path) -> None:
    script = tmp_path / "huge.js"
    with open(script, "wb") as f:
        f.write(b"".join(f"line {n}\n".encode() for n in range(1, 21)))
        f.truncate(1 << 40)  # then a terabyte of zeros (sparse): reading it all never ends
    started = time.perf_counter()
    excerpt = read_source_lines(str(script), 10, context=2)
    assert excerpt is not None and excerpt.lines == tuple(f"line {n}" for n in range(8, 13))
    # Past line 20 there is one endless line: the read stops at its budget and says None.
    assert read_source_lines(str(script), 22) is None
    # A guard, not a timing: reading the terabyte would take an hour at disk speed.
    assert time.perf_counter() - started < 120
    assert MAX_READ_BYTES < 1 << 30


def test_a_long_minified_line_is_cut_around_the_column(tmp_path: Path) -> None:
    body = "x" * 5000 + "LEAK()" + "y" * 5000
    script = tmp_path / "bundle.min.js"
    script.write_text("/* header */\n" + body + "\n")
    column = body.index("LEAK") + 1
    excerpt = read_source_lines(str(script), 2, context=1, column=column)
    assert excerpt is not None
    assert "LEAK()" in excerpt.focus_text and len(excerpt.focus_text) <= MAX_LINE_CHARS
    assert excerpt.focus_text.startswith("…") and excerpt.focus_text.endswith("…")
    without_column = read_source_lines(str(script), 2)
    assert without_column is not None and without_column.focus_text.startswith("xxx")


def test_control_characters_cannot_reach_the_terminal(tmp_path: Path) -> None:
    script = tmp_path / "evil.js"
    script.write_bytes(b"const a = '\x1b[2J\x07';\tok\r\nnext\xff\n")
    excerpt = read_source_lines(str(script), 1, context=1)
    assert excerpt is not None
    first, second = excerpt.lines
    assert "\x1b" not in first and "\x07" not in first and "\r" not in first
    assert "\t" in first and "\ufffd" in first and second == "next\ufffd"
