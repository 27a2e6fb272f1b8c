"""The live memory view (leaktui/tui/memory.py) fed by a watched file: appending a line
changes the sparkline; GC counters from the preload are shown."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conftest import node_binary
from tui_support import wait_until

from leaktui.commands.preload_path import PRELOAD

PROGRAM = Path(__file__).parent / "programs" / "metrics_app.js"


def line(ts: float, rss: float, heap: float) -> str:
    return json.dumps({"ts": ts, "rss": rss, "heapUsed": heap, "heapTotal": heap * 2}) + "\n"


async def test_appending_lines_updates_the_sparkline(tmp_path: Path) -> None:
    from leaktui.tui.memory import MemoryApp, MemoryPanel

    f = tmp_path / "live.jsonl"
    f.write_text("".join(line(1000 + i, 100 + i, 50) for i in range(5)))
    app = MemoryApp(path=str(f))
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(MemoryPanel)
        await wait_until(pilot, lambda: len(view.samples) == 5, 30, "the first five lines")
        assert len(view.samples) == 5
        before = str(view.render())
        with f.open("a") as out:
            out.write(line(2000, 900, 50))
        await wait_until(pilot, lambda: len(view.samples) >= 6, 30, "the appended line")
        assert len(view.samples) == 6
        assert str(view.render()) != before


async def test_live_view_shows_gc_counts_from_the_preload(tmp_path: Path) -> None:
    from leaktui.tui.memory import MemoryApp, MemoryPanel

    f = tmp_path / "steady.jsonl"
    env = dict(os.environ, LEAKTUI_METRICS_FILE=str(f), LEAKTUI_METRICS_INTERVAL_MS="50")
    subprocess.run([node_binary(), "-r", str(PRELOAD), str(PROGRAM), "steady", "1"],
                   env=env, check=True, timeout=60)
    app = MemoryApp(path=str(f))
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(MemoryPanel)
        await wait_until(pilot, lambda: len(view.samples) > 0, 30, "the first sample")
        text = str(view.render())
        assert "GC:" in text and "major" in text


async def test_the_view_judges_the_window_it_is_given(tmp_path: Path) -> None:
    from leaktui.tui.memory import MemoryApp, MemoryPanel

    f = tmp_path / "long.jsonl"
    # 30 minutes at one sample a second: flat for 20, then the floor climbs 1 MB a second.
    f.write_text("".join(line(1000 + i, 2e8 + max(0, i - 1200) * 1e6,
                              5e7 + max(0, i - 1200) * 1e6 + (i % 5) * 1e6) for i in range(1800)))
    app = MemoryApp(path=str(f), window_s=600)
    async with app.run_test(size=(140, 30)) as pilot:
        view = app.query_one(MemoryPanel)
        await wait_until(pilot, lambda: view.result is not None, 30, "the window's verdict")
        assert view.result is not None and len(view.samples) == 1800
        assert view.result.samples == 601 and view.result.verdict == "growing"
        text = str(view.render())
        assert "last 10 min" in text and "601 samples over 600 s" in text
        assert "floor after GC of heapUsed: +3.6 GB/h" in text


async def test_the_view_says_when_the_watched_file_is_gone(tmp_path: Path) -> None:
    from leaktui.tui.memory import MemoryApp, MemoryPanel

    f = tmp_path / "live.jsonl"
    f.write_text("".join(line(1000 + i, 100 + i, 50) for i in range(5)))
    app = MemoryApp(path=str(f))
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(MemoryPanel)
        await wait_until(pilot, lambda: len(view.samples) == 5, 30, "the first five lines")
        assert "the file is gone" not in str(view.render())
        f.unlink()
        await wait_until(pilot, lambda: "the file is gone" in str(view.render()), 30,
                         "the file-gone message")
        assert "the file is gone" in str(view.render())
        assert len(view.samples) == 5  # what was read stays
