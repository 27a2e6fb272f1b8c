"""LeakApp: investigate heap snapshots by keyboard, from class to object to GC root."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container, Grid, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import (
    ContentSwitcher,
    Footer,
    Input,
    Label,
    ProgressBar,
    Static,
)
from textual.worker import get_current_worker

from leaktui.errors import LeakTuiError
from leaktui.pins import Pin, PinStore
from leaktui.snapshot import HeapSnapshot, load_snapshot
from leaktui.snapshot.diff import DiffRow, compare_detailed
from leaktui.snapshot.growth import growing_holders, survivors
from leaktui.suspects import Suspect, find_suspects
from leaktui.tui import model
from leaktui.tui.commands import LeakCommands
from leaktui.tui.memory import MemoryView
from leaktui.tui.widgets import (
    PAGE,
    ClassSummaryTable,
    FindingsTable,
    GrowthTable,
    InstanceTable,
    ObjectPane,
    RetainerTree,
    StatisticsPane,
    SuspectsTable,
    suspect_details,
)

Loader = Callable[..., HeapSnapshot]
PANES = ("classes", "instances", "retainers", "object")
VIEWS = {"1": "investigate", "2": "growth", "3": "suspects", "4": "memory", "5": "statistics",
         "6": "findings"}


class LoadProgress(Message):
    def __init__(self, index: int, count: int, path: str, phase: str, fraction: float) -> None:
        super().__init__()
        self.index, self.count, self.path = index, count, path
        self.phase, self.fraction = phase, fraction

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LoadProgress)


class SnapshotsLoaded(Message):
    def __init__(self, snaps: list[HeapSnapshot], seconds: float,
                 suspects: list[Suspect]) -> None:
        super().__init__()
        self.snaps, self.seconds, self.suspects = snaps, seconds, suspects


class LoadFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class ComparisonReady(Message):
    def __init__(self, base: int, target: int, rows: list[DiffRow],
                 new_nodes: dict[str, np.ndarray], text: Text) -> None:
        super().__init__()
        self.base, self.target, self.rows, self.new_nodes, self.text = (
            base, target, rows, new_nodes, text)


class GotoScreen(ModalScreen[str | None]):
    """Asks for an object id (`@123` or `123`)."""

    BINDINGS = [Binding("escape", "dismiss_none", "cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="goto-box"):
            yield Label("Go to object id (e.g. @12345):")
            yield Input(placeholder="@id", id="goto-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


HELP = """\
[b]leaktui keys[/b]

  1 investigate   2 growth   3 suspects   4 live memory   5 statistics   6 findings
  p                 pin the current object with a note (saved next to the snapshot)
  a                 group the highlighted class's objects by allocation site (tracked snapshots)
  tab / shift+tab   move between panes
  enter             drill in: class -> instances -> object; open a suspect or growth row
  o                 make the highlighted retainer (or instance) the current object
  backspace / f     back / forward through the objects you visited
  r                 go to the retainer path of the current object
  g                 go to an object by @id
  /                 filter classes by name (esc clears)
  s                 change the sort of the class table
  y                 copy the current object's path from a root (OSC 52, works over SSH)
  n / N             next / previous leak suspect
  [ / ]             previous / next snapshot of the series
  b / t             (growth) change the base / target snapshot;  h  show or hide noise rows
  ctrl+s            save an SVG screenshot
  ctrl+p            command palette
  ?                 this help        q  quit

Growth and severity are shown with signs, arrows and words, never by colour alone.
"""


class NoteScreen(ModalScreen[str | None]):
    """Asks for a short note for a pin."""

    BINDINGS = [Binding("escape", "dismiss_none", "cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="goto-box"):
            yield Label("Pin with a note (enter to save, esc to cancel):")
            yield Input(placeholder="e.g. grows 2k entries/min, owned by checkout", id="note")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(HELP)


class LeakApp(App[None]):
    """The snapshots are passed in (paths and a loader), so tests drive real small ones."""

    CSS_PATH = "leaktui.tcss"
    TITLE = "leaktui"
    COMMANDS = App.COMMANDS | {LeakCommands}
    BINDINGS = [
        Binding("q", "quit", "quit"),
        Binding("question_mark", "help", "help"),
        Binding("1", "view('investigate')", "classes", show=False),
        Binding("2", "view('growth')", "growth", show=False),
        Binding("3", "view('suspects')", "suspects", show=False),
        Binding("4", "view('memory')", "memory", show=False),
        Binding("5", "view('statistics')", "stats", show=False),
        Binding("6", "view('findings')", "findings", show=False),
        Binding("p", "pin", "pin"),
        Binding("a", "allocation_sites", "alloc sites", show=False),
        Binding("tab", "pane(1)", "pane", priority=True),
        Binding("shift+tab", "pane(-1)", "pane", show=False, priority=True),
        Binding("slash", "filter", "filter"),
        Binding("s", "sort", "sort", show=False),
        Binding("o", "open_highlighted", "open"),
        Binding("backspace", "history_back", "back", show=False),
        Binding("f", "forward", "fwd", show=False),
        Binding("r", "retainers", "retainers", show=False),
        Binding("g", "goto", "go @id"),
        Binding("y", "copy_path", "copy path"),
        Binding("n", "suspect(1)", "next suspect", show=False),
        Binding("N", "suspect(-1)", "prev suspect", show=False),
        Binding("left_square_bracket", "snapshot(-1)", "prev snap", show=False),
        Binding("right_square_bracket", "snapshot(1)", "next snap", show=False),
        Binding("b", "pick('base')", "base", show=False),
        Binding("t", "pick('target')", "target", show=False),
        Binding("h", "toggle_noise", "noise", show=False),
        Binding("ctrl+s", "save_svg", "screenshot", show=False),
    ]

    def __init__(self, paths: list[str], loader: Loader = load_snapshot,
                 screenshot_dir: str | None = None, metrics: str | None = None,
                 poll: bool = False, limit: int | None = None) -> None:
        super().__init__()
        self.paths = paths
        self.metrics, self.poll, self.limit = metrics, poll, limit
        self.loader = loader
        self.screenshot_dir = screenshot_dir or os.getcwd()
        self.snaps: list[HeapSnapshot] = []
        self.current = 0  # index of the snapshot shown
        self.suspects: list[Suspect] = []
        self.suspect_index = -1
        self.history: list[tuple[int, int]] = []  # (snapshot index, node)
        self.history_pos = -1
        self.pane = 0
        self.base, self.target = 0, 0
        self.new_nodes: dict[str, np.ndarray] = {}
        self.load_seconds = 0.0
        self.load_error: str | None = None
        self.pins: PinStore | None = None
        self._shown_class: tuple[int, int] | None = None
        self._shown_object: tuple[int, int] | None = None

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static("leaktui", id="header")
        with ContentSwitcher(initial="loading", id="views"):
            with Vertical(id="loading"):
                yield Label("Loading…", id="load-label")
                yield ProgressBar(total=100, show_eta=False, id="load-bar")
                yield Label("q quits", id="load-hint")
            with Grid(id="investigate"):
                with Vertical(id="classes-box"):
                    yield Input(placeholder="filter classes (esc clears)", id="filter")
                    yield ClassSummaryTable(id="classes")
                yield InstanceTable(id="instances", classes="pane")
                yield RetainerTree(id="retainers", classes="pane")
                with VerticalScroll(id="object-box", classes="pane"):
                    yield ObjectPane(id="object")
            with Vertical(id="growth"):
                yield GrowthTable(id="growth-table")
                with VerticalScroll(id="growth-notes-box"):
                    yield Static("", id="growth-notes")
            with Vertical(id="suspects"):
                yield SuspectsTable(id="suspects-table")
                with VerticalScroll(id="suspect-detail-box"):
                    yield Static("", id="suspect-detail")
            with Container(id="memory"):
                if self.metrics:
                    yield MemoryView(path=self.metrics, poll=self.poll, limit=self.limit,
                                     id="memory-view")
                else:
                    yield Static("Live memory: start leaktui with --metrics FILE (a JSON Lines "
                                 "or CSV file the service appends process.memoryUsage() samples "
                                 'to: node -r "$(leaktui preload-path)" app.js).',
                                 id="memory-text")
            with VerticalScroll(id="statistics"):
                yield StatisticsPane(id="stats")
            with Vertical(id="findings"):
                yield FindingsTable(id="findings-table")
                yield Static("p pins the current object (with a note); pins are saved next to "
                             "the snapshot, so whoever opens it sees them. enter jumps to one.",
                             id="findings-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self._load()
        self._layout_for(self.size.width, self.size.height)

    def on_resize(self, event: object) -> None:
        self._layout_for(self.size.width, self.size.height)

    def _layout_for(self, width: int, height: int) -> None:
        """80x24 over SSH: one pane at a time, tab switches."""
        narrow = width < 110 or height < 32
        self.set_class(narrow, "narrow")
        self._show_pane()

    # ------------------------------------------------------------------ loading
    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(self) -> None:
        worker = get_current_worker()
        started = time.perf_counter()
        snaps = []
        try:
            for i, path in enumerate(self.paths):
                def progress(phase: str, fraction: float, i: int = i, path: str = path) -> None:
                    self.post_message(LoadProgress(i, len(self.paths), path, phase, fraction))
                snaps.append(self.loader(path, progress))
                if worker.is_cancelled:
                    return
            self.post_message(LoadProgress(len(self.paths) - 1, len(self.paths), self.paths[-1],
                                           "looking for leak suspects", 1.0))
            suspects = find_suspects(snaps)
            for snap in snaps:  # huge classes: their first page of instances, sorted now
                snap.warm_class_tops()
        except LeakTuiError as exc:
            self.post_message(LoadFailed(str(exc)))
            return
        except MemoryError:
            self.post_message(LoadFailed("not enough memory to load these snapshots"))
            return
        self.post_message(SnapshotsLoaded(snaps, time.perf_counter() - started, suspects))

    def on_load_progress(self, message: LoadProgress) -> None:
        name = os.path.basename(message.path)
        self.query_one("#load-label", Label).update(
            f"Loading {name} ({message.index + 1}/{message.count}): {message.phase}…")
        done = (message.index + message.fraction) / max(message.count, 1)
        self.query_one("#load-bar", ProgressBar).update(progress=100 * done)

    def on_load_failed(self, message: LoadFailed) -> None:
        self.load_error = message.error
        self.query_one("#load-label", Label).update(Text(f"Cannot open: {message.error}"))
        self.query_one("#load-hint", Label).update("q quits")
        self.query_one("#load-bar", ProgressBar).display = False

    def on_snapshots_loaded(self, message: SnapshotsLoaded) -> None:
        self.snaps = message.snaps
        self.suspects = message.suspects
        self.load_seconds = message.seconds
        self.current = len(self.snaps) - 1
        self.base, self.target = 0, len(self.snaps) - 1
        self._show_snapshot()
        self.pins = PinStore(self.snaps[-1].path)
        if self.pins.message:
            self.notify(self.pins.message, severity="warning", timeout=10)
        self.query_one("#findings-table", FindingsTable).show(self.pins.pins)
        self.query_one("#suspects-table", SuspectsTable).show(self.suspects)
        self._update_suspect_detail(0)
        if len(self.snaps) >= 2:
            self._compare()
        else:
            self.query_one("#growth-notes", Static).update(
                "Open two or more snapshots of one process (oldest first) to see what grew.")
        high = any(s.severity == "high" for s in self.suspects)
        self.action_view("suspects" if high else "investigate")

    # ------------------------------------------------------------------ snapshot shown
    @property
    def snap(self) -> HeapSnapshot:
        return self.snaps[self.current]

    def _show_snapshot(self) -> None:
        snap = self.snap
        self._update_header()
        table = self.query_one("#classes", ClassSummaryTable)
        table.show(snap)
        self.query_one("#stats", StatisticsPane).show(snap)
        cid = table.current_class()
        if cid is not None:
            self._show_class(cid)
            instances = self.query_one("#instances", InstanceTable)
            if self.current_object() is None and len(instances.nodes):
                self._open_object(int(instances.nodes[0]), remember=False)

    def _update_header(self) -> None:
        snap = self.snap
        text = (f"{os.path.basename(snap.path)} [{self.current + 1}/{len(self.snaps)}]  "
                f"{snap.node_count:,} nodes  {model.size(snap.total_size)}  "
                f"loaded in {self.load_seconds:.1f}s")
        high = sum(s.severity == "high" for s in self.suspects)
        if self.suspects:
            text += f"  suspects: {len(self.suspects)} ({high} high)"
        if self.metrics:
            text += "  " + self.query_one("#memory-view", MemoryView).summary_line()
        self.query_one("#header", Static).update(text)

    def on_memory_view_sampled(self, message: MemoryView.Sampled) -> None:
        if self.snaps:
            self._update_header()

    def _show_class(self, class_id: int) -> None:
        snap = self.snap
        if self._shown_class == (self.current, class_id):
            return  # already listed (e.g. the table was re-sorted)
        self._shown_class = (self.current, class_id)
        self.query_one("#instances", InstanceTable).show(
            snap, snap.class_members(class_id), snap.class_names[class_id],
            first_page=snap.class_top(class_id, PAGE))

    # ------------------------------------------------------------------ events
    @on(ClassSummaryTable.RowHighlighted, "#classes")
    def _class_highlighted(self, event: ClassSummaryTable.RowHighlighted) -> None:
        table = self.query_one("#classes", ClassSummaryTable)
        if self.focused is not table or not self.snaps:
            return
        # Use where the cursor is now, not where this (possibly stale) event says: a refill
        # of the table sends several highlights in a row; only the last position matters.
        class_id = table.current_class()
        if class_id is not None:
            self._show_class(class_id)

    @on(ClassSummaryTable.ClassChosen)
    def _class_chosen(self, event: ClassSummaryTable.ClassChosen) -> None:
        self._show_class(event.class_id)
        self._focus_pane(1)

    @on(InstanceTable.RowHighlighted, "#instances")
    def _instance_highlighted(self, event: InstanceTable.RowHighlighted) -> None:
        # Only a user moving through the list previews objects; programmatic refreshes of
        # the table must not replace the current object.
        if self.focused is not event.data_table:
            return
        if event.row_key.value not in (None, "more") and self.snaps:
            self._open_object(int(event.row_key.value), remember=False)

    @on(InstanceTable.ObjectChosen)
    def _instance_chosen(self, event: InstanceTable.ObjectChosen) -> None:
        self._open_object(event.node)
        self._focus_pane(2)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        table = self.query_one("#classes", ClassSummaryTable)
        table.filter_text = event.value
        table.refresh_rows()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#classes", ClassSummaryTable).focus()

    def on_key(self, event: object) -> None:
        key = getattr(event, "key", "")
        flt = self.query_one("#filter", Input)
        if key == "escape" and flt.display:
            flt.value = ""
            flt.display = False
            self.query_one("#classes", ClassSummaryTable).focus()

    @on(GrowthTable.ClassChosen)
    def _growth_chosen(self, event: GrowthTable.ClassChosen) -> None:
        nodes = self.new_nodes.get(event.key)
        if nodes is None or not len(nodes):
            self.notify("No new objects of this class (only deleted ones).")
            return
        if self.current != self.target:
            self.current = self.target
            self._show_snapshot()
        snap = self.snap
        name = event.key.split(",")[-1]
        self._shown_class = None
        self.query_one("#instances", InstanceTable).show(snap, nodes, f"new {name}")
        self.action_view("investigate")
        self._focus_pane(1)

    @on(SuspectsTable.RowHighlighted, "#suspects-table")
    def _suspect_highlighted(self, event: SuspectsTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._update_suspect_detail(int(event.row_key.value))

    @on(SuspectsTable.SuspectChosen)
    def _suspect_chosen(self, event: SuspectsTable.SuspectChosen) -> None:
        self._open_suspect(event.index)

    def _update_suspect_detail(self, index: int) -> None:
        detail = self.query_one("#suspect-detail", Static)
        if not self.suspects:
            detail.update("No leak suspects found. With a series of snapshots (oldest first) "
                          "leaktui also looks at what grows.")
            return
        self.suspect_index = index
        detail.update(suspect_details(self.suspects[index]))

    def _open_suspect(self, index: int) -> None:
        if not self.suspects:
            self.notify("No leak suspects.")
            return
        self.suspect_index = index % len(self.suspects)
        s = self.suspects[self.suspect_index]
        if self.current != len(self.snaps) - 1:
            self.current = len(self.snaps) - 1
            self._show_snapshot()
        self._open_object(s.holder)
        self.action_view("investigate")
        self._focus_pane(2)
        self.notify(f"Suspect {self.suspect_index + 1}/{len(self.suspects)}: {s.title[:100]}")

    # ------------------------------------------------------------------ objects and history
    def _open_object(self, node: int, remember: bool = True) -> None:
        snap = self.snap
        if self._shown_object != (self.current, node):  # a preview may have shown it already
            self._shown_object = (self.current, node)
            self.query_one("#retainers", RetainerTree).show(snap, node)
            self.query_one("#object", ObjectPane).show(snap, node)
        if remember:
            entry = (self.current, node)
            if not self.history or self.history[self.history_pos] != entry:
                del self.history[self.history_pos + 1:]
                self.history.append(entry)
                self.history_pos = len(self.history) - 1

    def current_object(self) -> int | None:
        tree = self.query_one("#retainers", RetainerTree)
        return tree.root.data.node if tree.root.data is not None else None

    def _go_history(self, step: int) -> None:
        pos = self.history_pos + step
        if not 0 <= pos < len(self.history):
            self.notify("No further history.")
            return
        self.history_pos = pos
        index, node = self.history[pos]
        if index != self.current:
            self.current = index
            self._show_snapshot()
        self._open_object(node, remember=False)

    # ------------------------------------------------------------------ comparison
    def _compare(self) -> None:
        self.query_one("#growth-table", GrowthTable).border_title = (
            f"Comparison {self.base + 1} -> {self.target + 1}: computing…")
        self._run_compare(self.base, self.target)

    @work(thread=True, exclusive=True, group="compare", exit_on_error=False)
    def _run_compare(self, base: int, target: int) -> None:
        if base == target:
            self.post_message(ComparisonReady(base, target, [], {}, Text(
                "Base and target are the same snapshot: press b or t to pick others.")))
            return
        a, b = self.snaps[base], self.snaps[target]
        rows, new_nodes, _ = compare_detailed(a, b)
        series = self.snaps[min(base, target):max(base, target) + 1]
        notes = Text()
        holders = growing_holders(series)
        notes.append("Growing holders (same object in every snapshot, more entries each time)\n",
                     style="bold underline")
        for h in holders[:15]:
            notes.append(f"  {h.class_name} @{h.node_id} via {'.'.join(h.path) or '?'}: "
                         f"entries {' -> '.join(f'{c:,}' for c in h.counts)}, retained "
                         f"{' -> '.join(model.size(x) for x in h.retained_sizes)}\n")
        if not holders:
            notes.append("  none\n")
        groups = survivors(series)
        notes.append("\nSurvivors (born between the first two snapshots, alive in the last)\n",
                     style="bold underline")
        for g in groups[:15]:
            notes.append(f"  {g.count:,} {g.class_name} ({model.size(g.size)}) held by "
                         f"{g.holder_class} @{g.holder_id} via {'.'.join(g.path) or '?'}\n")
        if not groups:
            notes.append("  none (needs three or more snapshots)\n")
        self.post_message(ComparisonReady(base, target, rows, new_nodes, notes))

    def on_comparison_ready(self, message: ComparisonReady) -> None:
        self.new_nodes = message.new_nodes
        self.query_one("#growth-table", GrowthTable).show(
            message.rows, f"Comparison snapshot {message.base + 1} -> {message.target + 1} "
                          "(b/t: change, enter: new objects)")
        self.query_one("#growth-notes", Static).update(message.text)

    # ------------------------------------------------------------------ panes and views
    def _focus_pane(self, index: int) -> None:
        self.pane = index % len(PANES)
        self._show_pane()
        widget = self.query_one(f"#{PANES[self.pane]}")
        if PANES[self.pane] == "object":
            widget = self.query_one("#object-box")
        widget.focus()

    def _show_pane(self) -> None:
        narrow = self.has_class("narrow")
        for i, name in enumerate(PANES):
            box = self.query_one("#classes-box" if name == "classes" else
                                 "#object-box" if name == "object" else f"#{name}")
            box.display = (not narrow) or i == self.pane

    def action_view(self, view: str) -> None:
        self.query_one("#views", ContentSwitcher).current = view
        if view == "investigate":
            self._focus_pane(self.pane)
        elif view == "growth":
            self.query_one("#growth-table").focus()
        elif view == "suspects":
            self.query_one("#suspects-table").focus()

    def action_pane(self, step: int) -> None:
        if self.query_one("#views", ContentSwitcher).current != "investigate":
            self.screen.focus_next() if step > 0 else self.screen.focus_previous()
            return
        self._focus_pane(self.pane + step)

    def action_filter(self) -> None:
        self.action_view("investigate")
        self._focus_pane(0)
        flt = self.query_one("#filter", Input)
        flt.display = True
        flt.focus()

    def action_sort(self) -> None:
        self.query_one("#classes", ClassSummaryTable).cycle_sort()

    def action_open_highlighted(self) -> None:
        if not self.snaps:
            return
        focused = self.focused
        node = None
        if isinstance(focused, (RetainerTree, InstanceTable)):
            node = focused.current_node()
        if node is None:
            self.notify("Highlight a retainer or an instance first.")
            return
        self._open_object(node)

    def action_history_back(self) -> None:
        if isinstance(self.focused, Input):
            return
        self._go_history(-1)

    def action_forward(self) -> None:
        self._go_history(1)

    def action_retainers(self) -> None:
        if self.current_object() is None:
            self.notify("No object yet: pick a class and an instance, or press g.")
            return
        self.action_view("investigate")
        tree = self.query_one("#retainers", RetainerTree)
        tree.expand_to_root()
        self._focus_pane(2)

    def action_goto(self) -> None:
        if not self.snaps:
            return

        def done(value: str | None) -> None:
            if not value:
                return
            text = value.lstrip("@").strip()
            if not text.isdigit():
                self.notify(f"Not an object id: {value!r}", severity="error")
                return
            node = self.snap.ordinal_of_id(int(text))
            if node is None:
                self.notify(f"No object @{text} in this snapshot.", severity="error")
                return
            self._open_object(node)
            self.action_view("investigate")
            self._focus_pane(2)

        self.push_screen(GotoScreen(), done)

    def action_copy_path(self) -> None:
        node = self.current_object()
        if node is None or not self.snaps:
            self.notify("No current object to copy.")
            return
        text = model.finding_markdown(self.snap, node)
        suspect = self._suspect_for(node)
        if suspect is not None:
            text += f"\n\nSuspect **{suspect.pattern}** ({suspect.severity}): {suspect.title}"
            text += f"\n\nFix: {suspect.advice}"
        self.copy_to_clipboard(text)
        self.notify("Copied the path from a root (OSC 52): paste it into the channel.")

    def _suspect_for(self, node: int) -> Suspect | None:
        if self.current != len(self.snaps) - 1:
            return None
        return next((s for s in self.suspects if s.holder == node), None)

    def action_pin(self) -> None:
        node = self.current_object()
        if node is None or not self.snaps or self.pins is None:
            self.notify("No current object to pin.")
            return
        if self.current != len(self.snaps) - 1:
            self.notify("Pins belong to the last snapshot of the series: press ] to go there.")
            return
        snap = self.snap

        def done(note: str | None) -> None:
            if note is None or self.pins is None:
                return
            suspect = self._suspect_for(node)
            self.pins.add(Pin(
                node_id=int(snap.node_id[node]), class_name=snap.class_name(node), note=note,
                retained_size=int(snap.retained_size[node]), path=snap.path_names(node),
                created=time.time(), kind="suspect" if suspect else "object",
                pattern=suspect.pattern if suspect else None,
                advice=suspect.advice if suspect else None))
            self.query_one("#findings-table", FindingsTable).show(self.pins.pins)
            self.notify(f"Pinned {model.object_label(snap, node)} in {self.pins.file}")

        self.push_screen(NoteScreen(), done)

    @on(FindingsTable.PinChosen)
    def _pin_chosen(self, event: FindingsTable.PinChosen) -> None:
        self._open_pinned(event.node_id)

    def _open_pinned(self, node_id: int) -> None:
        if self.current != len(self.snaps) - 1:
            self.current = len(self.snaps) - 1
            self._show_snapshot()
        node = self.snap.ordinal_of_id(node_id)
        if node is None:
            self.notify(f"@{node_id} is not in this snapshot.", severity="error")
            return
        self._open_object(node)
        self.action_view("investigate")
        self._focus_pane(2)

    def action_allocation_sites(self) -> None:
        """The highlighted class's objects grouped by the function that allocated them
        (snapshots taken with allocation tracking)."""
        from leaktui.profiles.traces import AllocationTraces
        from leaktui.tui.widgets import allocation_sites_text

        if not self.snaps:
            return
        snap = self.snap
        if not AllocationTraces.available(snap):
            self.notify("This snapshot has no allocation stacks: take one with "
                        "leaktui capture --track-allocations (or node --track-heap-objects).")
            return
        class_id = self.query_one("#classes", ClassSummaryTable).current_class()
        if class_id is None:
            return
        self._shown_object = None
        self.query_one("#object", ObjectPane).update(
            allocation_sites_text(snap, class_id))
        self.query_one("#object", ObjectPane).border_title = "Allocation sites"
        self.action_view("investigate")
        self._focus_pane(3)

    def action_suspect(self, step: int) -> None:
        self._open_suspect(self.suspect_index + step if self.suspect_index >= 0 else 0)

    def action_snapshot(self, step: int) -> None:
        if len(self.snaps) < 2:
            return
        self.current = (self.current + step) % len(self.snaps)
        self._show_snapshot()

    def action_pick(self, which: str) -> None:
        if len(self.snaps) < 2:
            return
        if which == "base":
            self.base = (self.base + 1) % len(self.snaps)
        else:
            self.target = (self.target + 1) % len(self.snaps)
        self._compare()

    def action_toggle_noise(self) -> None:
        table = self.query_one("#growth-table", GrowthTable)
        table.show_noise = not table.show_noise
        self._compare()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_save_svg(self) -> None:
        path = self.save_screenshot(path=self.screenshot_dir)
        self.notify(f"Saved {path}")


def run_app(paths: list[str]) -> None:
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise LeakTuiError(f"{missing[0]}: no such file")
    LeakApp(paths).run()
