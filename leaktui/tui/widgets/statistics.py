"""StatisticsPane: where the heap's bytes are, by kind, as bars with sizes and shares; below
it, DuplicateStringsPane: DevTools' duplicated strings (computed in a worker, kept per
snapshot)."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from leaktui.snapshot import HeapSnapshot
from leaktui.snapshot.duplicates import DuplicateStrings, find_duplicate_strings
from leaktui.text import one_line
from leaktui.tui.view import LeakView, Loaded, focus_now
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


DUPLICATES_SHOWN = 30
VALUE_WIDTH = 48


def duplicates_text(found: DuplicateStrings, shown: int = DUPLICATES_SHOWN) -> Text:
    """The groups as plain Rich Text: heap strings are user data, never markup."""
    t = Text()
    t.append(f"Duplicated strings: {len(found):,} texts held {found.total_count:,} times, "
             f"{format_size(found.total_size)}; one copy each would save "
             f"{format_size(found.total_wasted)}\n", style="bold")
    if not len(found):
        return t
    t.append(f"{'string':{VALUE_WIDTH + 2}} {'count':>8} {'size':>9} {'wasted':>9}\n",
             style="dim")
    for g in found.top(shown):
        t.append(f"{chr(34) + one_line(g.value, VALUE_WIDTH) + chr(34):{VALUE_WIDTH + 2}}")
        t.append(f" {g.count:>8,} {format_size(g.self_size):>9} {format_size(g.wasted):>9}\n")
    if len(found) > shown:
        t.append(f"… {len(found) - shown:,} more (leaktui report lists them)\n", style="dim")
    return t


class DuplicateStringsPane(Static):
    BORDER_TITLE = "Duplicated strings"

    def show(self, found: DuplicateStrings) -> None:
        self.update(duplicates_text(found))


class StatisticsView(VerticalScroll, LeakView):
    """View 5: the statistics of the snapshot shown, and its duplicated strings."""

    class DuplicatesFound(Message):
        def __init__(self, snap: HeapSnapshot, found: DuplicateStrings) -> None:
            super().__init__()
            self.snap, self.found = snap, found

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.snap: HeapSnapshot | None = None
        self.duplicates: dict[int, DuplicateStrings] = {}  # by id() of the snapshot
        self._looking: set[int] = set()  # snapshots a worker is on

    def compose(self) -> ComposeResult:
        yield StatisticsPane("Statistics appear once a snapshot is loaded.", id="stats")
        yield DuplicateStringsPane("", id="duplicates")

    def snapshot_changed(self, loaded: Loaded, index: int) -> None:
        self.snap = loaded.full(index)
        self.query_one(StatisticsPane).show(self.snap)
        if self.display:  # else when the view is shown: no work for a view nobody looks at
            self._show_duplicates()

    def _show_duplicates(self) -> None:
        snap = self.snap
        if snap is None:
            return
        found = self.duplicates.get(id(snap))
        pane = self.query_one(DuplicateStringsPane)
        if found is not None:
            pane.show(found)
        else:
            pane.update(Text("Duplicated strings: looking…", style="dim"))
            if id(snap) not in self._looking:
                self._looking.add(id(snap))
                self._find_duplicates(snap)

    @work(thread=True, group="duplicates", exit_on_error=False)
    def _find_duplicates(self, snap: HeapSnapshot) -> None:
        """Runs in a thread: never touches a widget, only posts a message."""
        self.post_message(self.DuplicatesFound(snap, find_duplicate_strings(snap)))

    def on_statistics_view_duplicates_found(self, message: DuplicatesFound) -> None:
        self.duplicates[id(message.snap)] = message.found
        self._looking.discard(id(message.snap))
        if message.snap is self.snap:
            self.query_one(DuplicateStringsPane).show(message.found)

    def view_shown(self) -> None:
        focus_now(self)
        self._show_duplicates()
