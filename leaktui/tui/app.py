"""LeakApp: investigate heap snapshots by keyboard, from class to object to GC root.

The app owns the loaded snapshots, which one is shown, the history of current objects, the
leak suspects and the pins. The views (one per number key, see `leaktui.tui.views`) show
them; loading runs in a thread worker that only posts messages."""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input, Label, ProgressBar, Static
from textual.worker import get_current_worker

from leaktui.errors import LeakTuiError
from leaktui.pins import PinStore
from leaktui.snapshot import HeapSnapshot, load_snapshot
from leaktui.snapshot.search import HeapSearch, SearchError
from leaktui.snapshot.series import load_series, order_series
from leaktui.suspects import Suspect, find_suspects
from leaktui.tui import formatting, pinning
from leaktui.tui.commands import LeakCommands
from leaktui.tui.findings import FindingsView
from leaktui.tui.messages import (
    LoadFailed,
    LoadProgress,
    ObjectChosen,
    ObjectsChosen,
    PinChosen,
    SnapshotsLoaded,
    SuspectChosen,
)
from leaktui.tui.screens import (
    HelpScreen,
    PromptScreen,
    goto_screen,
    help_sections,
    parse_object_id,
)
from leaktui.tui.search import (
    HeapSearched,
    HeapSearchFailed,
    instance_filter_screen,
    search_screen,
    searched,
)
from leaktui.tui.views import DEFAULT_VIEWS, LeakView, Loaded, ViewSpec, focus_now
from leaktui.tui.widgets.classes import ClassSummaryTable
from leaktui.tui.widgets.instances import AHEAD_PAGES, PAGE, InstanceTable
from leaktui.tui.widgets.investigate import InvestigationView
from leaktui.tui.widgets.keybar import KeyBar
from leaktui.tui.widgets.memory import MemoryPanel
from leaktui.units import format_size

Loader = Callable[..., HeapSnapshot]
NARROW_WIDTH, NARROW_HEIGHT = 110, 32  # below either: one pane at a time
THEME_ALIASES = {"ansi": "ansi-dark", "dark": "textual-dark", "light": "textual-light"}


def resolve_theme(name: str, available: Iterable[str]) -> str:
    """A theme name or alias (`ansi`: the terminal's own 16 colours, for 256-colour and
    ANSI terminals); LeakTuiError naming the choices otherwise."""
    name = THEME_ALIASES.get(name, name)
    choices = sorted(available)
    if name not in choices:
        raise LeakTuiError(f"no theme {name!r}: use ansi, dark, light or one of "
                           f"{', '.join(choices)}")
    return name


class LoadCancelled(Exception):
    """Raised from the progress callback when the app quits during loading."""


class LeakApp(App[None]):
    """``paths`` (oldest first) are loaded with ``loader`` (tests pass real small snapshots,
    or their own loader); ``views`` are the views behind the number keys."""

    CSS_PATH = "leaktui.tcss"
    TITLE = "leaktui"
    AUTO_FOCUS = None  # nothing has the focus while loading (keys go to the app's bindings)
    COMMANDS = App.COMMANDS | {LeakCommands}
    BINDINGS = [
        Binding("q", "quit", "quit", tooltip="quit (also while loading)"),
        Binding("question_mark", "help", "help", tooltip="this help"),
        Binding("tab", "pane(1)", "pane", priority=True,
                tooltip="next pane (shift+tab: previous)"),
        Binding("shift+tab", "pane(-1)", show=False, priority=True),
        # `/` and `g` are priority bindings: they run as soon as they arrive, so the keys
        # typed right after them (one batch over a slow SSH link) land in their input.
        Binding("slash", "filter", "filter", priority=True,
                tooltip="filter classes by name (esc clears); in the instances pane, filter "
                        "its objects by name, value or property (re: for a regex)"),
        Binding("F", "search_heap", show=False, priority=True,
                tooltip="find in the whole heap: objects whose class, name, string value or "
                        "property name holds a text (re: for a regex); enter opens one"),
        Binding("s", "sort", "sort", tooltip="change the sort column of the classes"),
        Binding("o", "open_highlighted", "open",
                tooltip="make the highlighted retainer, instance or edge the current object"),
        Binding("backspace", "history(-1)", "back", show=False,
                tooltip="back to the previous current object"),
        Binding("f", "history(1)", "fwd", show=False, tooltip="forward again"),
        Binding("r", "retainers", "root path", tooltip="the current object's path to a root"),
        Binding("g", "goto", "go @id", priority=True, tooltip="go to an object by @id"),
        Binding("y", "copy_path", "copy",
                tooltip="copy the current object as Markdown: its path from a root, sizes, "
                        "suspect and note (OSC 52, works over SSH)"),
        Binding("p", "pin", "pin", show=False,
                tooltip="pin the current object with a note (saved beside the snapshot)"),
        Binding("a", "allocation_sites", show=False,
                tooltip="group the highlighted class by allocation site (tracked snapshots)"),
        Binding("n", "suspect(1)", show=False, tooltip="next leak suspect (N: previous)"),
        Binding("N", "suspect(-1)", show=False),
        Binding("left_square_bracket", "snapshot(-1)", show=False,
                tooltip="previous snapshot of the series (]: next)"),
        Binding("right_square_bracket", "snapshot(1)", show=False),
        Binding("ctrl+s", "save_svg", show=False, tooltip="save an SVG screenshot"),
        *[Binding(str(i), f"view_key('{i}')", show=False) for i in range(1, 10)],
    ]

    def __init__(self, paths: Sequence[str], loader: Loader = load_snapshot,
                 screenshot_dir: str | None = None, metrics: str | None = None,
                 poll: bool = False, limit: int | None = None, window_s: float | None = None,
                 views: Sequence[ViewSpec] = DEFAULT_VIEWS, theme: str | None = None) -> None:
        super().__init__()
        if theme:
            self.theme = resolve_theme(theme, self.available_themes)
        self.paths = list(paths)
        self.loader = loader
        self.metrics, self.poll, self.limit, self.window_s = metrics, poll, limit, window_s
        self.screenshot_dir = screenshot_dir or os.getcwd()
        self.view_specs = list(views)
        self.snaps: list[HeapSnapshot] = []
        self.loaded = Loaded([])
        self.current = 0  # index of the snapshot shown
        self.suspects: list[Suspect] = []
        self.suspect_index = -1
        self.history: list[tuple[int, int]] = []  # (snapshot index, node ordinal)
        self.history_pos = -1
        self.load_seconds = 0.0
        self.load_error: str | None = None
        self.warnings: list[str] = []  # about the series: files left out, reordered, mixed
        self.pins: PinStore | None = None
        self.load_finished = threading.Event()  # set when the loading thread has returned
        self.searches: dict[int, HeapSearch] = {}  # per snapshot index, made in a worker

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static("leaktui", id="header")
        with ContentSwitcher(initial="loading", id="views"):
            with Vertical(id="loading"):
                yield Label("Loading…", id="load-label")
                yield ProgressBar(total=100, show_eta=False, id="load-bar")
                yield Label("q quits", id="load-hint")
            for spec in self.view_specs:
                yield spec.make(self)
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        names = ", ".join(os.path.basename(p) for p in self.paths)
        self.query_one("#header", Static).update(Text(f"leaktui  {names}  loading…"))
        self._layout_for(self.size.width, self.size.height)
        self._load()

    def on_resize(self, event: events.Resize) -> None:
        self._layout_for(event.size.width, event.size.height)

    def _layout_for(self, width: int, height: int) -> None:
        """80x24 over SSH: one pane at a time, tab moves to the next."""
        narrow = width < NARROW_WIDTH or height < NARROW_HEIGHT
        self.set_class(narrow, "narrow")
        self.investigation.set_narrow(narrow)

    def on_investigation_view_pane_shown(self, message: InvestigationView.PaneShown) -> None:
        # Messages can still arrive while the app shuts down and its widgets are gone.
        if self.active_view == "investigate":
            for bar in self.query(KeyBar):
                bar.set_note(message.label)

    @property
    def investigation(self) -> InvestigationView:
        return self.query_one(InvestigationView)

    def views(self) -> list[Widget]:
        return [self.query_one(f"#{spec.id}") for spec in self.view_specs]

    # ------------------------------------------------------------------ loading
    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(self) -> None:
        try:
            self._load_snapshots()
        finally:
            self.load_finished.set()

    def _load_snapshots(self) -> None:
        """Runs in the loading thread: never touches a widget, only posts messages."""
        worker = get_current_worker()
        started = time.perf_counter()
        count = len(self.paths)
        tried = [0]

        def load(path: str) -> HeapSnapshot:
            i = tried[0]
            tried[0] += 1

            def progress(phase: str, fraction: float) -> None:
                if worker.is_cancelled:
                    raise LoadCancelled
                self.post_message(LoadProgress(i, count, path, phase, fraction))
            return self.loader(path, progress)

        try:
            loaded = load_series(self.paths, load)  # a bad file is left out, and named
            series = order_series(loaded.snaps)
            snaps, warnings = series.snaps, loaded.warnings + series.warnings
            self.post_message(LoadProgress(count - 1, count, self.paths[-1],
                                           "looking for leak suspects", 1.0))
            suspects = self._find_suspects(snaps if series.one_process else snaps[-1:])
            for snap in snaps:  # huge classes: their first pages of instances, sorted now
                snap.warm_class_tops(k=PAGE * AHEAD_PAGES)
        except LoadCancelled:
            return
        except LeakTuiError as exc:
            self.post_message(LoadFailed(str(exc)))
            return
        except MemoryError:
            self.post_message(LoadFailed("not enough memory to load these snapshots"))
            return
        except Exception as exc:  # a bug: say so in the app rather than die on the screen
            self.log.error(traceback.format_exc())
            self.post_message(LoadFailed(f"internal error ({type(exc).__name__}: {exc}); "
                                         "please report it with the snapshot's Node version"))
            return
        self.post_message(SnapshotsLoaded(snaps, time.perf_counter() - started, suspects,
                                          warnings, series.one_process))

    def _find_suspects(self, snaps: list[HeapSnapshot]) -> list[Suspect]:
        """The suspects, or none and a message: the snapshots open even if a detector
        fails."""
        try:
            return find_suspects(snaps)
        except (LoadCancelled, MemoryError):
            raise
        except Exception as exc:
            self.log.error(traceback.format_exc())
            self.notify(f"Looking for leak suspects failed ({type(exc).__name__}: {exc}); "
                        "the snapshots are open.", severity="error", timeout=15)  # thread-safe
            return []

    def on_load_progress(self, message: LoadProgress) -> None:
        if not self.query("#load-label"):
            return  # quitting: the screen is already gone
        name = os.path.basename(message.path)
        self.query_one("#load-label", Label).update(Text(
            f"Loading {name} ({message.index + 1}/{message.count}): {message.phase}…"))
        done = (message.index + message.fraction) / max(message.count, 1)
        self.query_one("#load-bar", ProgressBar).update(progress=100 * done)

    def on_load_failed(self, message: LoadFailed) -> None:
        self.load_error = message.error
        if not self.query("#load-label"):
            return
        self.query_one("#load-label", Label).update(Text(f"Cannot open: {message.error}"))
        self.query_one("#load-bar", ProgressBar).display = False
        self.query_one("#header", Static).update("leaktui  nothing loaded")

    def on_snapshots_loaded(self, message: SnapshotsLoaded) -> None:
        if not self.query(InvestigationView):
            return  # quitting
        self.snaps, self.suspects = message.snaps, message.suspects
        self.load_seconds = message.seconds
        self.warnings = message.warnings
        self.loaded = Loaded(self.snaps, self.suspects, message.seconds, message.warnings,
                             message.one_process)
        for warning in self.warnings:
            self.notify(warning, severity="warning", timeout=20)
        self.current = self.loaded.last
        for view in self.views():
            if isinstance(view, LeakView):
                view.snapshots_loaded(self.loaded)
        self.pins = PinStore(self.snaps[-1].path)
        if self.pins.message:
            self.notify(self.pins.message, severity="warning", timeout=10)
        self._show_pins()
        self._show_snapshot()
        self._prepare_search(self.loaded.last)
        high = any(s.severity == "high" for s in self.suspects)
        self.action_view("suspects" if high and self._has_view("suspects") else "investigate")

    def _show_pins(self) -> None:
        for view in self.query(FindingsView):
            view.show_pins(self.pins.pins if self.pins is not None else [])

    # ------------------------------------------------------------------ the snapshot shown
    @property
    def snap(self) -> HeapSnapshot:
        return self.snaps[self.current]

    def _show_snapshot(self, keep_id: int | None = None) -> None:
        """Tell the views; the current object stays if its id is in this snapshot too."""
        for view in self.views():
            if isinstance(view, LeakView):
                view.snapshot_changed(self.loaded, self.current)
        self.update_header()
        node = self.snap.ordinal_of_id(keep_id) if keep_id is not None else None
        if node is None:
            node = self.investigation.first_instance()
        if node is not None:
            self.investigation.show_object(node)

    def update_header(self) -> None:
        if not self.snaps:
            return
        snap = self.snap
        parts = [f"! {len(self.warnings)} warning{'s' if len(self.warnings) > 1 else ''}: "
                 + "; ".join(self.warnings)] if self.warnings else []
        parts += [f"{os.path.basename(snap.path)} [{self.current + 1}/{len(self.snaps)}]",
                 f"{snap.node_count:,} nodes", format_size(snap.total_size),
                 f"loaded in {self.load_seconds:.1f}s"]
        if self.suspects:
            high = sum(s.severity == "high" for s in self.suspects)
            parts.append(f"suspects {len(self.suspects)} ({high} high)")
        memory = self.query(MemoryPanel)
        line = memory.first().summary_line() if memory else ""
        if line:
            parts.append(line)
        if len(self.snaps) > 1:
            parts.append("series: " + " ".join(
                ("▶" if i == self.current else "") + os.path.basename(s.path)
                for i, s in enumerate(self.snaps)))
        for header in self.query("#header").results(Static):  # none while shutting down
            header.update(Text(" · ".join(parts), no_wrap=True, overflow="ellipsis"))

    def on_memory_view_sampled(self) -> None:
        self.update_header()

    # ------------------------------------------------------------------ current object
    def current_object(self) -> int | None:
        return self.investigation.object_node if self.snaps else None

    def open_object(self, node: int, snapshot: int | None = None, remember: bool = True,
                    focus: bool = True) -> None:
        """Make ``node`` the current object (retainers and object panes) and remember it."""
        if snapshot is not None and snapshot != self.current:
            self.current = snapshot
            self._show_snapshot()
        self.investigation.show_object(node)
        if remember:
            entry = (self.current, node)
            if not self.history or self.history[self.history_pos] != entry:
                del self.history[self.history_pos + 1:]
                self.history.append(entry)
                self.history_pos = len(self.history) - 1
        if focus:
            self.action_view("investigate")
            self.investigation.focus_pane(2)

    @on(ObjectChosen)
    def _object_chosen(self, message: ObjectChosen) -> None:
        self.open_object(message.node, message.snapshot)

    @on(ObjectsChosen)
    def _objects_chosen(self, message: ObjectsChosen) -> None:
        if message.snapshot is not None and message.snapshot != self.current:
            self.current = message.snapshot
            self._show_snapshot()
        self.investigation.list_objects(message.nodes, message.title)
        self.action_view("investigate")
        self.investigation.focus_pane(1)

    @on(SuspectChosen)
    def _suspect_chosen(self, message: SuspectChosen) -> None:
        self.open_suspect(message.index)

    @on(PinChosen)
    def _pin_chosen(self, message: PinChosen) -> None:
        self.open_object_id(message.node_id, len(self.snaps) - 1)

    def open_object_id(self, node_id: int, snapshot: int | None = None) -> bool:
        index = self.current if snapshot is None else snapshot
        node = self.snaps[index].ordinal_of_id(node_id)
        if node is None:
            self.notify(f"No object @{node_id} in {os.path.basename(self.snaps[index].path)}.",
                        severity="error")
            return False
        self.open_object(node, index)
        return True

    def open_suspect(self, index: int) -> None:
        if not self.suspects:
            self.notify("No leak suspects.")
            return
        self.suspect_index = index % len(self.suspects)
        s = self.suspects[self.suspect_index]
        self.open_object(s.holder, len(self.snaps) - 1)
        self.notify(f"Suspect {self.suspect_index + 1}/{len(self.suspects)}: {s.title[:100]}")

    # ------------------------------------------------------------------ views and panes
    def _has_view(self, view_id: str) -> bool:
        return any(spec.id == view_id for spec in self.view_specs)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Letter keys that open an input are plain letters while an input has the focus
        (typing `/` or `g` in the filter or a prompt) or a dialog is open."""
        typing = isinstance(self.focused, Input) or isinstance(self.screen, ModalScreen)
        return not (typing and action in ("filter", "goto", "search_heap"))

    def action_view(self, view_id: str) -> None:
        if not self.snaps and not self.load_error and view_id != "memory":
            return  # still loading: the loading screen stays
        if not self._has_view(view_id):
            return
        switcher = self.query_one("#views", ContentSwitcher)
        if switcher.current == view_id and self.focused is not None:
            return  # already shown: the focus stays where it is
        switcher.current = view_id
        if view_id != "investigate":
            self.query_one(KeyBar).set_note("")
        view = self.query_one(f"#{view_id}")
        if isinstance(view, LeakView):
            view.view_shown()

    def action_view_key(self, key: str) -> None:
        spec = next((s for s in self.view_specs if s.key == key), None)
        if spec is not None:
            self.action_view(spec.id)

    @property
    def active_view(self) -> str | None:
        switchers = self.query("#views").results(ContentSwitcher)
        return next((sw.current for sw in switchers), None)

    def action_pane(self, step: int) -> None:
        if isinstance(self.screen, ModalScreen) or self.active_view != "investigate":
            self.screen.focus_next() if step > 0 else self.screen.focus_previous()
            return
        self.investigation.move_pane(step)

    # ------------------------------------------------------------------ actions
    def _need_snapshots(self) -> bool:
        if not self.snaps:
            self.notify("Nothing loaded yet.")
            return False
        return True

    async def action_filter(self) -> None:
        if not self._need_snapshots():
            return
        if isinstance(self.focused, InstanceTable) and self.active_view == "investigate":
            await self._filter_instances(self.focused)
            return
        self.action_view("investigate")
        self.investigation.open_filter()

    # ------------------------------------------------------------------ search
    async def action_search_heap(self) -> None:
        """A prompt; the search runs in a worker and lists what it finds in the instances
        pane."""
        if not self._need_snapshots():
            return
        index = self.current

        def done(value: str | None) -> None:
            if value:
                self._start_search(index, value, None, "")

        await self.open_prompt(search_screen(), done)

    async def _filter_instances(self, table: InstanceTable) -> None:
        members, title, index = table.members, table.title, self.current

        def done(value: str | None) -> None:
            if value:
                self._start_search(index, value, members, title)

        await self.open_prompt(instance_filter_screen(title), done)

    def heap_search(self, index: int) -> HeapSearch:
        search = self.searches.get(index)
        if search is None:
            search = self.searches[index] = HeapSearch(self.snaps[index])
        return search

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _prepare_search(self, index: int) -> None:
        """What every search needs, made after loading (the first search is then quicker)."""
        self.heap_search(index).prepare()

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, index: int, text: str, within: np.ndarray | None, title: str) -> None:
        """Runs in a thread: never touches a widget, only posts messages."""
        try:
            result = self.heap_search(index).find(text)
        except SearchError as exc:
            self.post_message(HeapSearchFailed(str(exc)))
            return
        except MemoryError:
            self.post_message(HeapSearchFailed("not enough memory for this search"))
            return
        self.post_message(searched(index, result, text, within, title))

    def _start_search(self, index: int, text: str, within: np.ndarray | None,
                      title: str) -> None:
        """A search asked before is answered at once; a new one runs in a worker."""
        search = self.searches.get(index)
        result = search.cached(text) if search is not None else None
        if result is not None:
            self._heap_searched(searched(index, result, text, within, title))
        else:
            self._search(index, text, within, title)

    @on(HeapSearched)
    def _heap_searched(self, message: HeapSearched) -> None:
        if not self.query(InvestigationView) or message.snapshot >= len(self.snaps):
            return
        if message.snapshot != self.current:
            self.current = message.snapshot
            self._show_snapshot()
        self.notify(message.summary or f"{len(message.nodes):,} objects")
        if not len(message.nodes):
            return
        self.investigation.list_objects(message.nodes, message.title)
        first = self.investigation.first_instance()
        if first is not None:  # who holds the largest match, at once (enter makes it current)
            self.investigation.show_object(first)
        self.action_view("investigate")
        self.investigation.focus_pane(1)

    @on(HeapSearchFailed)
    def _heap_search_failed(self, message: HeapSearchFailed) -> None:
        self.notify(f"Search: {message.error}", severity="error")

    def action_sort(self) -> None:
        if self._need_snapshots():
            self.action_view("investigate")
            self.investigation.query_one(ClassSummaryTable).action_cycle_sort()

    def action_open_highlighted(self) -> None:
        if not self._need_snapshots():
            return
        node = self.investigation.highlighted_node()
        if node is None:
            self.notify("Highlight a retainer, an instance or an edge first.")
            return
        self.open_object(node, focus=False)

    def action_history(self, step: int) -> None:
        pos = self.history_pos + step
        if not 0 <= pos < len(self.history):
            self.notify("No further history." if self.history else "No history yet: press o "
                        "on a retainer or an edge to move to it.")
            return
        self.history_pos = pos
        index, node = self.history[pos]
        self.open_object(node, index, remember=False, focus=False)

    def action_retainers(self) -> None:
        if self.current_object() is None:
            self.notify("No object yet: pick a class and an instance, or press g.")
            return
        self.action_view("investigate")
        self.investigation.expand_retainers()

    async def action_goto(self) -> None:
        if not self._need_snapshots():
            return

        def done(value: str | None) -> None:
            if not value:
                return
            node_id = parse_object_id(value)
            if node_id is None:
                self.notify(f"Not an object id: {value!r}", severity="error")
                return
            self.open_object_id(node_id)

        await self.open_prompt(goto_screen(), done)

    async def open_prompt(self, screen: PromptScreen,
                          done: Callable[[str | None], None]) -> None:
        """Push a prompt and focus its input before the next key is handled, so keys typed
        in one go after the command key (`g@123` then enter) all reach the prompt."""
        await self.push_screen(screen, done)
        focus_now(screen.query_one(Input))

    def action_copy_path(self) -> None:
        """The current object as a chat-sized Markdown finding: its path from a root, sizes,
        the suspect it holds and the pin's note (OSC 52, works over SSH)."""
        pinning.copy_current(self)

    def action_pin(self) -> None:
        pinning.pin_current(self)

    def action_allocation_sites(self) -> None:
        """The highlighted class's objects grouped by the function that allocated them."""
        if not self._need_snapshots():
            return
        if not formatting.allocations_available(self.snap):
            self.notify("This snapshot has no allocation stacks: take one with "
                        "leaktui capture --track-allocations (or node --track-heap-objects).")
            return
        class_id = self.investigation.query_one(ClassSummaryTable).current_class()
        if class_id is None:
            return
        self.action_view("investigate")
        self.investigation.show_sites(class_id)
        self.investigation.focus_pane(3)

    def action_suspect(self, step: int) -> None:
        if self._need_snapshots():
            self.open_suspect(self.suspect_index + step if self.suspect_index >= 0 else 0)

    def action_snapshot(self, step: int) -> None:
        if len(self.snaps) < 2:
            self.notify("Only one snapshot is open: load two or more to move between them.")
            return
        node = self.current_object()
        keep = int(self.snap.node_id[node]) if node is not None else None
        self.current = (self.current + step) % len(self.snaps)
        self._show_snapshot(keep)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(help_sections(self.view_specs, self.BINDINGS, self.focused)))

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Notifications carry file names, class names, titles and what the user typed: never
        Rich markup (`[/` in a filter or an id must not break the app)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def action_save_svg(self) -> None:
        path = self.save_screenshot(path=self.screenshot_dir)
        self.notify(f"Saved the screen to {path}")
