#!/usr/bin/env python3
"""Time from keypress to updated screen in the TUI, once a snapshot is loaded.

    python benchmarks/bench_tui.py SNAPSHOT [--size 160x50] [--repeat 3]

Measured through Textual's test pilot: each key is delivered, the app handles it, and the
screen is rendered (the pilot waits until the app is idle). The pilot itself costs something
per key (delivery, idle waits, one full render): an unbound key measures that floor, and the
figures are also given above it. Steps, in the order a person would take them:

  highlight the class with the most objects (lists its first page of instances)
  enter on it (instances pane, its largest object previewed: retainers and object panes)
  enter on the largest object (it becomes the current one; path to a root opened)
  e on the retainer tree's root (open the nearest retainers up to a root again)
  the "N more" row (the next 200 instances)
  g (the go-to prompt opens), a digit typed in it
  g @id enter on the object with the most retainers (its first 50 named and sorted, a page;
    past retainers.LOADING_SLOTS slots a worker lists them and another finds its path: the
    key shows "listing" and "finding" rows). The pilot waits for the whole process to be
    idle, workers included, so this step is also timed by the frames the app draws: from
    enter to the first frame showing the object, and to the first with the workers' results
  the "N more retainers" row under it (the next 50)
  s five times (re-sort the class table by each column, back to retained size)
  a filter keystroke (incremental filter of the class table)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from rich.console import RenderableType
from textual.screen import Screen
from textual.widgets import Static

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leaktui.tui.app import LeakApp  # noqa: E402
from leaktui.tui.widgets import ClassSummaryTable, InstanceTable, RetainerTree  # noqa: E402
from leaktui.tui.widgets.instances import PAGE  # noqa: E402
from leaktui.tui.widgets.prompt import PromptBar  # noqa: E402
from leaktui.tui.widgets.retainers import TREE_WIDTH  # noqa: E402


async def run(path: str, size: tuple[int, int], repeat: int) -> None:
    app = LeakApp([path])
    # Each frame the app draws, with whether the step's result was on it: the pilot waits
    # until the whole process is idle, worker threads included, so for a key that starts a
    # worker its figure is the worker's time; the frames say when the screen answered.
    frames: list[tuple[float, bool, bool]] = []
    probe: list[Callable[[], bool]] = []
    display = app._display

    def on_display(screen: Screen[object], renderable: RenderableType | None) -> None:
        shown = bool(probe and probe[0]())
        frames.append((time.perf_counter(), shown, shown and bool(probe and probe[1]())))
        display(screen, renderable)

    app._display = on_display  # type: ignore[method-assign]
    async with app.run_test(size=size) as pilot:
        started = time.perf_counter()
        while not app.snaps and not app.load_error:
            await pilot.pause(0.05)
        if app.load_error:
            raise SystemExit(app.load_error)
        snap = app.snaps[0]
        print(f"{Path(path).name}: {snap.node_count:,} nodes, {len(snap.summary()):,} classes; "
              f"loaded in {time.perf_counter() - started:.1f} s (with the leak suspects)")
        await pilot.press("1")
        await pilot.pause(0.2)

        async def measure(*keys: str) -> float:
            t0 = time.perf_counter()
            await pilot.press(*keys)
            await pilot.wait_for_scheduled_animations()
            await pilot.pause(0)
            return 1000 * (time.perf_counter() - t0)

        async def to_screen(keys: tuple[str, ...], shown: Callable[[], bool],
                            done: Callable[[], bool]) -> tuple[float, float]:
            """From the last key sent to the first frame that shows its result (``shown``),
            and to the first that shows the workers' results (``done``) too."""
            await pilot.press(*keys[:-1])
            await pilot.wait_for_scheduled_animations()
            frames.clear()
            probe[:] = [shown, done]
            t0 = time.perf_counter()
            await pilot.press(keys[-1])
            while not any(both for _, _, both in frames):
                await pilot.pause(0.01)
            probe.clear()
            first = next(t for t, ok, _ in frames if ok)
            last = next(t for t, _, both in frames if both)
            return 1000 * (first - t0), 1000 * (last - t0)

        floor = min([await measure("z") for _ in range(5)])  # z is bound to nothing
        print(f"{'harness floor per key (an unbound key)':52} {floor:8.1f} ms")

        async def timed(label: str, *keys: str, prepare: object = None) -> None:
            runs, listed = [], []
            for _ in range(repeat):
                if callable(prepare):
                    prepare()
                    await pilot.pause(0.05)
                t0 = time.perf_counter()
                runs.append(await measure(*keys))
                if tree.listing:
                    while tree.listing:
                        await pilot.pause(0.01)
                    listed.append(1000 * (time.perf_counter() - t0))
            total = statistics.median(runs)
            above = total - floor * len(keys)
            print(f"{label:52} {total:8.1f} ms  (above the floor {above:7.1f} ms)")
            if listed:
                label = "  ... the worker's rows on screen after"
                print(f"{label:52} {statistics.median(listed):8.1f} ms")

        investigation = app.main.investigation  # view 1, on the app's main screen
        assert investigation is not None, "the app has no investigation view"
        table = app.query_one(ClassSummaryTable)
        instances = app.query_one(InstanceTable)
        tree = app.query_one(RetainerTree)
        summary = app.query_one("#object", Static)

        def finding() -> bool:
            return "finding the nearest root" in str(summary.render())

        rows = table.rows_shown
        biggest = max(range(len(rows)), key=lambda i: rows[i].count)
        name, count = rows[biggest].name, rows[biggest].count
        step = "up" if biggest > 0 else "down"
        start_row = biggest - 1 if biggest > 0 else biggest + 1

        def to_neighbour() -> None:
            view = investigation
            view.focus_pane(0)
            view._highlighted = None  # a fresh highlight lists the class again
            view._listed = None
            table.move_cursor(row=start_row)

        await timed(f"highlight {name[:24]} ({count:,} objects)", "down" if step == "up"
                    else "up", prepare=to_neighbour)
        await timed("enter: its instances, largest previewed", "enter",
                    prepare=lambda: investigation.focus_pane(0))
        await timed("enter: the largest object, path to a root", "enter",
                    prepare=lambda: (investigation.focus_pane(1),
                                     instances.move_cursor(row=0)))
        await timed("e: open the nearest retainers up to a root", "e",
                    prepare=lambda: (investigation.focus_pane(2),
                                     tree.move_cursor(tree.root)))
        if count > PAGE:
            def to_more() -> None:
                investigation._listed = None
                investigation.list_class(rows[biggest].class_id)
                investigation.focus_pane(1)
                instances.move_cursor(row=PAGE)
            await timed("enter on \"N more\": the next 200 instances", "enter",
                        prepare=to_more)
        held = int(np.argmax(np.diff(snap.first_retainer.astype(np.int64))))
        held_id = str(int(snap.node_id[held]))
        slots = len(snap.retainer_slots(held))

        def away() -> None:  # another object first, so that the next g opens this one
            investigation.show_object(int(instances.nodes[0]))
            investigation.focus_pane(0)
            tree._lists.clear()  # as the first time: its retainers are listed again
        bar = app.query_one(PromptBar)

        def closed() -> None:
            if bar.is_open:
                bar.action_cancel()
            investigation.focus_pane(0)

        await timed("g: the go-to prompt opens", "g", prepare=closed)
        await timed("a digit typed in it", held_id[0], prepare=lambda: (
            closed(), bar.ask("?", "", lambda _: None)))
        closed()
        await timed(f"g @id enter: the most-held object ({slots:,} slots)", "g", *held_id,
                    "enter", prepare=away)
        answers, finished = [], []
        for _ in range(repeat):
            away()
            await pilot.pause(0.05)
            first, last = await to_screen(
                ("g", *held_id, "enter"), lambda: tree.object_node == held and
                app.focused is tree, lambda: not tree.listing and not finding())
            answers.append(first)
            finished.append(last)
        label = "  ... enter to the first frame showing it"
        print(f"{label:52} {statistics.median(answers):8.1f} ms  (range "
              f"{min(answers):.0f}-{max(answers):.0f})")
        label = "  ... enter to the workers' rows and path on screen"
        print(f"{label:52} {statistics.median(finished):8.1f} ms")

        def to_more_retainers() -> None:
            tree.show(snap, held)
            investigation.focus_pane(2)
            tree.move_cursor(tree.root.children[-1])
        if slots > TREE_WIDTH:
            await timed("enter on \"N more retainers\": the next 50", "enter",
                        prepare=to_more_retainers)
        investigation.focus_pane(0)
        sorts = ("retained", "shallow", "count", "distance", "name")
        for before, after in zip(sorts, sorts[1:] + sorts[:1], strict=True):
            await timed(f"s: sort the classes by {after}", "s",
                        prepare=lambda before=before: table.set_sort(before))
        await pilot.press("slash")
        await timed("a filter keystroke", "a")
        await pilot.press("escape")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot")
    parser.add_argument("--size", default="160x50", help="terminal size, e.g. 80x24")
    parser.add_argument("--repeat", type=int, default=3, help="runs per step (median)")
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.lower().split("x"))
    asyncio.run(run(args.snapshot, (width, height), args.repeat))


if __name__ == "__main__":
    main()
