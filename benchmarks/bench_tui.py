#!/usr/bin/env python3
"""Time from keypress to updated screen in the TUI, once a snapshot is loaded:
opening the class with the most instances, expanding retainers, sorting.

    python benchmarks/bench_tui.py SNAPSHOT
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leaktui.tui.app import LeakApp  # noqa: E402
from leaktui.tui.widgets import ClassSummaryTable, InstanceTable, RetainerTree  # noqa: E402


async def main(path: str) -> None:
    app = LeakApp([path])
    async with app.run_test(size=(160, 50)) as pilot:
        started = time.perf_counter()
        while not app.snaps:
            await pilot.pause(0.1)
        print(f"loaded in {time.perf_counter() - started:.1f} s (includes the suspects)")
        await pilot.press("1")
        await pilot.pause(0.2)
        table = app.query_one("#classes", ClassSummaryTable)
        biggest = max(range(len(table.rows_shown)), key=lambda i: table.rows_shown[i].count)
        table.move_cursor(row=biggest)
        table.focus()

        async def measure(*keys: str) -> float:
            t0 = time.perf_counter()
            await pilot.press(*keys)
            await pilot.wait_for_scheduled_animations()
            await pilot.pause(0)
            return 1000 * (time.perf_counter() - t0)

        # The harness itself (key delivery, idle waits, one full-screen render) has a cost:
        # a key nothing is bound to measures it, and is subtracted below.
        floor = min([await measure("z") for _ in range(5)])
        print(f"{'harness floor (an unbound key)':45} {floor:8.1f} ms")

        async def timed(label: str, *keys: str) -> None:
            total = await measure(*keys)
            above = total - floor * len(keys)  # each key pays the floor once
            print(f"{label:45} {total:8.1f} ms  (above the floor: {above:6.1f} ms)")

        count = table.rows_shown[biggest].count
        await timed(f"open class {table.rows_shown[biggest].name} ({count:,} objects)", "enter")
        instances = app.query_one("#instances", InstanceTable)
        assert instances.row_count > 0
        await timed("open its largest instance (retainers)", "enter")
        tree = app.query_one("#retainers", RetainerTree)
        tree.focus()
        await timed("expand the next retainer level", "down", "space")
        table.focus()
        await timed("sort classes (shallow)", "s")
        await timed("sort classes (count)", "s")
        await timed("sort classes (distance)", "s")
        await timed("sort classes (name)", "s")
        await timed("sort classes (retained)", "s")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
