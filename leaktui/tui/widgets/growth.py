"""GrowthView (view 2): DevTools' Comparison between two snapshots of a series, largest size
growth first, with growing holders and survivors below. Growth is shown with signs and
arrows, never by colour alone. The comparison runs in a worker."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from leaktui.snapshot import HeapSnapshot
from leaktui.snapshot.diff import DiffRow, compare_detailed
from leaktui.snapshot.growth import MIN_SURVIVORS, growing_holders, holder_text, survivors
from leaktui.snapshot.lean import AnySnapshot
from leaktui.tui import formatting, messages
from leaktui.tui.view import LeakView, Loaded, focus_now
from leaktui.tui.widgets._columns import row_key
from leaktui.units import format_size

MAX_ROWS = 5000
NEED_TWO = ("Load two or more snapshots of one process (oldest first) to compare them: "
            "leaktui app-1.heapsnapshot app-2.heapsnapshot app-3.heapsnapshot")


class GrowthTable(DataTable[Text | str]):
    BORDER_TITLE = "Comparison"

    class ClassChosen(Message):
        """Enter on a row: list the class's new objects."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.diff_rows: list[DiffRow] = []
        self.show_noise = False

    def on_mount(self) -> None:
        for label, width in (("Class", 28), ("# New", 8), ("# Deleted", 9), ("# Delta", 10),
                             ("Alloc", 9), ("Freed", 9), ("Size Δ", 12)):
            self.add_column(label, key=label, width=width)

    def show(self, rows: list[DiffRow], title: str) -> None:
        self.diff_rows = [r for r in rows if self.show_noise or not r.noise]
        self.clear()
        for r in self.diff_rows[:MAX_ROWS]:
            self.add_row(Text(r.name[:70]), f"{r.new:,}", f"{r.deleted:,}",
                         formatting.signed_count(r.delta),
                         format_size(r.alloc_size), format_size(r.freed_size),
                         formatting.signed_size(r.size_delta), key=r.key)
        hidden = len(rows) - len(self.diff_rows)
        self.border_title = Text(title)  # Text: class names and filters are not markup
        self.border_subtitle = f"{hidden} noise rows hidden (h)" if hidden else ""

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = row_key(event)
        if key is not None:
            self.post_message(self.ClassChosen(str(key)))


class ComparisonReady(Message):
    def __init__(self, base: int, target: int, rows: list[DiffRow],
                 new_nodes: dict[str, np.ndarray], notes: Text) -> None:
        super().__init__()
        self.base, self.target, self.rows = base, target, rows
        self.new_nodes, self.notes = new_nodes, notes


NOT_ONE_PROCESS = ("  off: these snapshots are not of one process, so the same id is not the "
                   "same object\n")


def growth_notes(series: list[AnySnapshot], one_process: bool = True) -> Text:
    notes = Text()
    notes.append("Growing holders (same object in every snapshot, more entries each time)\n",
                 style="bold underline")
    if not one_process:
        notes.append(NOT_ONE_PROCESS)
        notes.append("\nSurvivors (born between the first two snapshots, alive in the last)\n",
                     style="bold underline")
        notes.append(NOT_ONE_PROCESS)
        return notes
    holders = growing_holders(series)
    for h in holders[:15]:
        notes.append(f"  {holder_text(h.class_name, h.node_id, h.path_text)}: "
                     f"entries {' -> '.join(f'{c:,}' for c in h.counts)}, retained "
                     f"{' -> '.join(format_size(x) for x in h.retained_sizes)}\n")
    if not holders:
        notes.append("  none\n")
    notes.append("\nSurvivors (born between the first two snapshots, alive in the last)\n",
                 style="bold underline")
    groups = survivors(series)
    for g in groups[:15]:
        notes.append(f"  {g.count:,} {g.class_name} ({format_size(g.size)}) held by "
                     f"{holder_text(g.holder_class, g.holder_id, g.path_text)}\n")
    if not groups:
        notes.append(f"  {survivors_absent(len(series))}\n")
    return notes


def survivors_absent(count: int) -> str:
    """Why the survivors list is empty, true for the ``count`` snapshots compared."""
    if count < 3:
        return (f"none: survivors need three snapshots and {count} are compared "
                "(b/t pick the first and last)")
    return f"none: no group of {MIN_SURVIVORS} or more objects born between the first two " \
           "snapshots is alive in the last"


Compare = Callable[[AnySnapshot, HeapSnapshot], tuple[list[DiffRow], dict[str, np.ndarray],
                                                         object]]


class GrowthView(Vertical, LeakView):
    """``compare`` (default `compare_detailed`) runs in a worker; when it fails, the view
    says so instead of "computing…"."""

    BINDINGS = [
        Binding("b", "pick('base')", "base", tooltip="compare from the next snapshot"),
        Binding("t", "pick('target')", "target", tooltip="compare to the next snapshot"),
        Binding("h", "toggle_noise", "noise", tooltip="show or hide embedder noise rows"),
    ]

    def __init__(self, compare: Compare = compare_detailed, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.compare_snapshots = compare
        self.snaps: list[AnySnapshot] = []  # the session's: older ones may be lean
        self.one_process = True
        self.base, self.target = 0, 0
        self.rows: list[DiffRow] = []
        self.new_nodes: dict[str, np.ndarray] = {}
        self.ready = False
        self.started = False  # the comparison runs the first time the view is shown

    def compose(self) -> ComposeResult:
        yield GrowthTable(id="growth-table")
        with VerticalScroll(id="growth-notes-box"):
            yield Static(NEED_TWO, id="growth-notes")

    def snapshots_loaded(self, loaded: Loaded) -> None:
        self.snaps = loaded.snaps
        self.one_process = loaded.one_process
        self.base, self.target = 0, loaded.last
        if len(self.snaps) < 2:
            self.compare()  # says what is needed

    def view_shown(self) -> None:
        if not self.started and len(self.snaps) >= 2:
            self.compare()
        focus_now(self.query_one(GrowthTable))

    def compare(self) -> None:
        self.ready = False
        if len(self.snaps) < 2:
            self.query_one(GrowthTable).border_title = "Comparison: needs two snapshots"
            self.query_one("#growth-notes", Static).update(NEED_TWO)
            return
        self.started = True
        self.query_one(GrowthTable).border_title = (
            f"Comparison {self.base + 1} -> {self.target + 1}: computing…")
        self._compare(self.base, self.target)

    @work(thread=True, exclusive=True, group="compare", exit_on_error=False)
    def _compare(self, base: int, target: int) -> None:
        if base == target:
            self.post_message(ComparisonReady(base, target, [], {}, Text(
                "Base and target are the same snapshot: press b or t to pick others.")))
            return
        series = self._full_at(list(self.snaps), {target, max(base, target)})
        newer = series[target]
        assert isinstance(newer, HeapSnapshot)  # made full just above
        rows, new_nodes, _ = self.compare_snapshots(series[base], newer)
        notes = growth_notes(series[min(base, target):max(base, target) + 1], self.one_process)
        self.post_message(ComparisonReady(base, target, rows, new_nodes, notes))

    @staticmethod
    def _full_at(series: list[AnySnapshot], indexes: set[int]) -> list[AnySnapshot]:
        """``series`` with the snapshots at ``indexes`` full: an older one kept lean is read
        in full for this comparison only (its base, and every snapshot between, stay lean)."""
        from leaktui.snapshot import load_snapshot

        for i in indexes:
            if not isinstance(series[i], HeapSnapshot):
                series[i] = load_snapshot(series[i].path)
        return series

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The comparison failed (a bug, or memory): say so where "computing…" was."""
        if event.worker.group != "compare" or event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        why = "not enough memory" if isinstance(error, MemoryError) else \
            f"internal error ({type(error).__name__}: {error})"
        self.ready = False
        self.query_one(GrowthTable).border_title = Text(
            f"Comparison {self.base + 1} -> {self.target + 1} failed: {why}")
        self.query_one("#growth-notes", Static).update(Text(
            f"The comparison failed: {why}. b/t pick other snapshots; please report it "
            "with the snapshots' Node version."))
        self.notify(f"Comparison failed: {why}", severity="error")

    def on_comparison_ready(self, message: ComparisonReady) -> None:
        message.stop()
        self.rows, self.new_nodes, self.ready = message.rows, message.new_nodes, True
        self.query_one(GrowthTable).show(
            message.rows, f"Comparison snapshot {message.base + 1} -> {message.target + 1} "
                          "(b/t change, enter lists new objects)")
        self.query_one("#growth-notes", Static).update(message.notes)

    def action_pick(self, which: str) -> None:
        if len(self.snaps) < 2:
            self.notify(NEED_TWO)
            return
        if which == "base":
            self.base = (self.base + 1) % len(self.snaps)
        else:
            self.target = (self.target + 1) % len(self.snaps)
        self.compare()

    def action_toggle_noise(self) -> None:
        table = self.query_one(GrowthTable)
        table.show_noise = not table.show_noise
        if self.ready:
            table.show(self.rows, str(table.border_title))

    def on_growth_table_class_chosen(self, event: GrowthTable.ClassChosen) -> None:
        event.stop()
        nodes = self.new_nodes.get(event.key)
        if nodes is None or not len(nodes):
            self.notify("No new objects of this class (only deleted ones).")
            return
        name = event.key.split(",")[-1]
        self.post_message(messages.OpenObjects(nodes, f"new {name}", snapshot=self.target))
