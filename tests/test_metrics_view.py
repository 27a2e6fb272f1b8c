"""The live memory view (leaktui/tui/memory.py) fed by a watched file: appending a line
changes the sparkline within a second; GC counters from the preload are shown."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from conftest import node_binary

from leaktui.metrics.preload_command import PRELOAD

PROGRAM = Path(__file__).parent / "programs" / "metrics_app.js"


def line(ts: float, rss: float, heap: float) -> str:
    return json.dumps({"ts": ts, "rss": rss, "heapUsed": heap, "heapTotal": heap * 2}) + "\n"


async def test_appending_lines_updates_the_sparkline_within_a_second(tmp_path: Path) -> None:
    from leaktui.tui.memory import MemoryApp, MemoryView

    f = tmp_path / "live.jsonl"
    f.write_text("".join(line(1000 + i, 100 + i, 50) for i in range(5)))
    app = MemoryApp(path=str(f))
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(MemoryView)
        for _ in range(40):
            await pilot.pause(0.05)
            if len(view.samples) == 5:
                break
        assert len(view.samples) == 5
        before = str(view.render())
        with f.open("a") as out:
            out.write(line(2000, 900, 50))
        started = time.monotonic()
        while len(view.samples) < 6 and time.monotonic() - started < 1.0:
            await pilot.pause(0.05)
        assert len(view.samples) == 6, "the new line did not arrive within a second"
        assert str(view.render()) != before


async def test_live_view_shows_gc_counts_from_the_preload(tmp_path: Path) -> None:
    from leaktui.tui.memory import MemoryApp, MemoryView

    f = tmp_path / "steady.jsonl"
    env = dict(os.environ, LEAKTUI_METRICS_FILE=str(f), LEAKTUI_METRICS_INTERVAL_MS="50")
    subprocess.run([node_binary(), "-r", str(PRELOAD), str(PROGRAM), "steady", "1"],
                   env=env, check=True, timeout=60)
    app = MemoryApp(path=str(f))
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(MemoryView)
        for _ in range(40):
            await pilot.pause(0.05)
            if view.samples:
                break
        text = str(view.render())
        assert "GC:" in text and "major" in text
