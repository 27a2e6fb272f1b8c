#!/usr/bin/env python3
"""SVG screenshots of each view of the TUI, made from a sample series in snapshots_sample/.

    python screenshots/make_screenshots.py [SERIES]     # default: the first series found
    LEAKTUI_WRITE_SCREENSHOTS=1 python -m pytest tests/test_serve_browser.py   # browser PNG

Each screenshot drives the app with the keys a person would press (listed below), waits for
the workers, and saves the screen with `App.save_screenshot`.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from leaktui.tui.app import LeakApp  # noqa: E402
from leaktui.tui.widgets.growth import GrowthView  # noqa: E402

PREFERRED = ("unbounded-cache", "closure-capture", "listener-leak")


@dataclass(frozen=True)
class Shot:
    name: str
    keys: tuple[str, ...]
    size: tuple[int, int] = (120, 40)
    last_only: bool = False  # open only the last snapshot of the series


SHOTS = (
    Shot("suspects", ("3",)),
    Shot("investigate", ("1", "slash", *"UserProfile", "enter", "enter", "enter")),
    Shot("investigate-object", ("1", "slash", *"UserProfile", "enter", "enter", "enter",
                                "tab", "down", "down")),
    Shot("growth", ("2",)),
    Shot("statistics", ("5",)),
    Shot("search", ("1", "F", *"user42@example.com", "enter")),
    Shot("findings", ("6",)),
    Shot("narrow-80x24", ("1",), (80, 24)),
    Shot("narrow-80x24-retainers", ("3", "enter"), (80, 24)),
    Shot("help", ("1", "question_mark")),
    Shot("single-snapshot-growth", ("2",), last_only=True),
)


def find_series(name: str | None) -> list[str]:
    base = ROOT / "snapshots_sample"
    names = [name] if name else [*PREFERRED, *sorted(p.name for p in base.iterdir())]
    for candidate in names:
        paths = sorted(str(p) for p in (base / candidate).glob("*.heapsnapshot*"))
        if paths:
            return paths
    raise SystemExit(f"no sample series in {base}")


async def shoot(shot: Shot, paths: list[str], out: Path = HERE) -> Path:
    app = LeakApp(paths[-1:] if shot.last_only else paths, screenshot_dir=str(out))
    async with app.run_test(size=shot.size) as pilot:
        while not app.snaps and not app.load_error:
            await pilot.pause(0.05)
        app.session.load_seconds = 0.0  # the one number that changes from run to run
        app.main.update_header()
        for key in shot.keys:
            await pilot.press(key)
            await pilot.pause(0.05)
        growth = app.query_one(GrowthView)
        while growth.started and not growth.ready:
            await pilot.pause(0.05)
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        app.save_screenshot(filename=f"{shot.name}.svg", path=str(out))
    return out / f"{shot.name}.svg"


async def main(series: str | None) -> None:
    paths = find_series(series)
    print("series:", ", ".join(Path(p).name for p in paths))
    for shot in SHOTS:
        print("wrote", (await shoot(shot, paths)).relative_to(ROOT))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else None))
