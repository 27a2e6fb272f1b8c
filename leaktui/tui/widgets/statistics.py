"""StatisticsPane: where the heap's bytes are, by kind, as bars with sizes and shares."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from leaktui.snapshot import HeapSnapshot
from leaktui.tui.views import LeakView, Loaded, focus_now
from leaktui.units import format_size

KINDS = (("code", "Code"), ("strings", "Strings"), ("js_arrays", "JS arrays"),
         ("typed_arrays", "Typed arrays"), ("system", "System objects"),
         ("other_js", "Other JS objects"), ("other_native", "Other native"))
BAR = 40


def statistics_text(snap: HeapSnapshot, bar: int = BAR) -> Text:
    stats = snap.statistics.as_dict()
    total = max(stats["total"], 1)
    t = Text()
    t.append(f"{snap.path}\n", style="dim")
    t.append(f"total {format_size(stats['total'])}  (JS heap {format_size(stats['v8heap_total'])},"
             f" native {format_size(stats['native_total'])})\n\n", style="bold")
    for key, label in KINDS:
        value = stats[key]
        width = round(bar * value / total)
        t.append(f"{label:17} ")
        t.append("█" * width, style="bold")
        t.append("·" * (bar - width), style="dim")
        t.append(f" {format_size(value):>9} {100 * value / total:5.1f}%\n")
    return t


class StatisticsPane(Static):
    BORDER_TITLE = "Statistics"

    def show(self, snap: HeapSnapshot) -> None:
        self.update(statistics_text(snap))


class StatisticsView(VerticalScroll, LeakView):
    """View 5: the statistics of the snapshot shown."""

    def compose(self) -> ComposeResult:
        yield StatisticsPane("Statistics appear once a snapshot is loaded.", id="stats")

    def snapshot_changed(self, loaded: Loaded, index: int) -> None:
        self.query_one(StatisticsPane).show(loaded.snaps[index])

    def view_shown(self) -> None:
        focus_now(self)
