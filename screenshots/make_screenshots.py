#!/usr/bin/env python3
"""Regenerate the SVG screenshots of each view from the bundled sample series.

    python screenshots/make_screenshots.py
    LEAKTUI_WRITE_SCREENSHOTS=1 python -m pytest tests/test_serve_browser.py   # browser PNG
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from leaktui.tui.app import LeakApp  # noqa: E402

SERIES = {
    "unbounded-cache": sorted(str(p) for p in (ROOT / "snapshots_sample" / "unbounded-cache")
                              .glob("*.heapsnapshot.gz")),
}


async def shoot(name: str, paths: list[str], keys: list[str], size: tuple[int, int]) -> None:
    app = LeakApp(paths)
    async with app.run_test(size=size) as pilot:
        for _ in range(400):
            await pilot.pause(0.05)
            if app.snaps:
                break
        for _ in range(100):  # the comparison runs in a worker
            await pilot.pause(0.05)
            if app.new_nodes or len(app.snaps) < 2:
                break
        app.load_seconds = 0.0
        app._update_header()
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.2)
        app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
        print("wrote", HERE / f"{name}.svg")


async def main() -> None:
    paths = SERIES["unbounded-cache"]
    await shoot("suspects", paths, [], (120, 40))
    await shoot("investigate", paths, ["enter"], (120, 40))
    await shoot("growth", paths, ["2"], (120, 40))
    await shoot("statistics", paths, ["5"], (120, 40))
    await shoot("narrow-80x24", paths, ["1"], (80, 24))
    await shoot("help", paths, ["question_mark"], (120, 40))


if __name__ == "__main__":
    asyncio.run(main())
