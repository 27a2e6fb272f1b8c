"""MainScreen: the header, the views behind the number keys, the key bar, and the answers to
the views' requests (`OpenObject`, `OpenObjects`, `OpenSuspect`, `OpenPin`).

The screen owns the `Session` (what the user is looking at) and changes it; the views read
it. Keys that belong to one view are that view's bindings; the keys here work in every
view: the number keys, tab, go to @id, search, copy, pin, suspects, history, snapshots."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input, Label, ProgressBar, Static
from textual.worker import Worker, WorkerState

from leaktui.tui.frames import draw_when_ready
from leaktui.tui.messages import OpenObject, OpenObjects, OpenPin, OpenSuspect
from leaktui.tui.session import Loaded, Session
from leaktui.tui.view import LeakView
from leaktui.tui.widgets.keybar import KeyBar
from leaktui.tui.widgets.prompt import PromptBar

if TYPE_CHECKING:
    import numpy as np
    from textual.app import ComposeResult

    from leaktui.pins import PinStore
    from leaktui.snapshot import HeapSnapshot
    from leaktui.snapshot.search import HeapSearch
    from leaktui.tui.search import HeapSearched, HeapSearchFailed
    from leaktui.tui.views import ViewSpec
    from leaktui.tui.widgets.investigate import InvestigationView

# The views' modules bring numpy and the core: they load after the first frame, and asking
# whether a view is mounted (on mount, on resize) must not import them before it.
_INVESTIGATE, _MEMORY = "leaktui.tui.widgets.investigate", "leaktui.tui.widgets.memory"
NARROW_WIDTH, NARROW_HEIGHT = 110, 32  # below either: one pane at a time
PinsFactory = Callable[[str], "PinStore"]


class FullSnapshotRead(Message):
    """An older snapshot kept lean, read in full by a worker."""

    def __init__(self, index: int, snap: HeapSnapshot) -> None:
        super().__init__()
        self.index, self.snap = index, snap


class MainScreen(Screen[None]):
    """``views`` are built with ``make_view`` (the app passes itself to `ViewSpec.make`)."""

    AUTO_FOCUS = None  # nothing has the focus while loading (keys go to the bindings)
    # Textual repaints the whole screen when the focus moves (Screen.focused is a repainting
    # reactive): on 160x50 that was a full render on every key that changes pane. The widgets
    # whose look depends on the focus repaint themselves (`:focus` and `:focus-within` styles
    # are updated per widget), so the screen need not.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    BINDINGS = [
        Binding("tab", "pane(1)", "pane", priority=True,
                tooltip="next pane (shift+tab: previous)"),
        Binding("shift+tab", "pane(-1)", show=False, priority=True),
        # From another view, view 1's filter and sort keys go to view 1 (not from growth,
        # where they would take the user away from what they look at).
        Binding("slash", "in_investigation('filter')", show=False, priority=True),
        Binding("s", "in_investigation('sort')", show=False),
        Binding("r", "in_investigation('retainers')", show=False),
        Binding("a", "in_investigation('allocation_sites')", show=False),
        # `g` and `F` are priority bindings: the keys typed right after them (one batch
        # over a slow SSH link) land in their prompt.
        Binding("F", "search_heap", show=False, priority=True,
                tooltip="find in the whole heap: objects whose class, name, string value or "
                        "property name holds a text (re: for a regex); enter opens one"),
        Binding("backspace", "history(-1)", "back", show=False,
                tooltip="back to the previous current object"),
        Binding("f", "history(1)", "fwd", show=False, tooltip="forward again"),
        Binding("g", "goto", "go @id", priority=True, tooltip="go to an object by @id"),
        Binding("y", "copy_path", "copy",
                tooltip="copy the current object as Markdown: its path from a root, sizes, "
                        "suspect and note (OSC 52, works over SSH)"),
        Binding("p", "pin", "pin", show=False,
                tooltip="pin the current object with a note (saved beside the snapshot)"),
        Binding("n", "suspect(1)", show=False, tooltip="next leak suspect (N: previous)"),
        Binding("N", "suspect(-1)", show=False),
        Binding("left_square_bracket", "snapshot(-1)", show=False,
                tooltip="previous snapshot of the series (]: next)"),
        Binding("right_square_bracket", "snapshot(1)", show=False),
        *[Binding(str(i), f"view_key('{i}')", show=False) for i in range(1, 10)],
    ]

    def __init__(self, session: Session, views: list[ViewSpec],
                 make_view: Callable[[ViewSpec], Widget], pins: PinsFactory,
                 paths: list[str]) -> None:
        super().__init__(id="main")
        self.session = session
        self.view_specs = views
        self.make_view = make_view
        self.pins_factory = pins
        self.paths = paths
        self.searches: dict[int, HeapSearch] = {}  # per snapshot index, made in a worker
        # Reads an older snapshot kept lean in full (the app's snapshot loader; None: the
        # default one), and what to do once it is read (index, then).
        self.read_snapshot: Callable[..., HeapSnapshot] | None = None
        self._after_full: tuple[int, Callable[[], None]] | None = None
        self.views_ready = False  # the views are mounted (after the first frame)
        self._pending: Loaded | None = None  # loaded before the views were mounted
        self.loading_hint = "q quits"
        self._switcher: ContentSwitcher | None = None
        self._investigation: InvestigationView | None = None

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static("leaktui", id="header")
        with ContentSwitcher(initial="loading", id="views"), Vertical(id="loading"):
            yield Label("Loading…", id="load-label")
            yield ProgressBar(total=100, show_eta=False, id="load-bar")
            yield Label("q quits", id="load-hint")
        yield KeyBar(first=("pane(1)", "quit", "help"), id="keys")
        yield PromptBar(id="prompt")

    class Ready(Message):
        """The screen and its views are mounted: loading may start."""

    def on_mount(self) -> None:
        draw_when_ready(self)
        names = ", ".join(os.path.basename(p) for p in self.paths)
        self.query_one("#header", Static).update(Text(f"leaktui  {names}  loading…"))
        self._layout_for(self.app.size.width, self.app.size.height)
        self.post_message(self.Ready())  # loading starts now, beside the views' mounting
        self.call_after_refresh(self._mount_views)

    async def _mount_views(self) -> None:
        """The views, built after the first frame: their modules (numpy, the core, the
        analyses) load while the loading screen is already shown."""
        views = []
        for spec in self.view_specs:
            view = self.make_view(spec)
            if isinstance(view, LeakView):
                view.session = self.session
            view.display = False  # the switcher shows one view at a time, loading first
            views.append(view)
        switchers = self.query("#views").results(ContentSwitcher)
        switcher = next(iter(switchers), None)
        if switcher is None:
            return  # quitting
        await switcher.mount_all(views)
        self.views_ready = True
        self._layout_for(self.size.width, self.size.height)
        pending, self._pending = self._pending, None
        if pending is not None:
            self.show_loaded(pending)

    def on_resize(self, event: events.Resize) -> None:
        self._layout_for(event.size.width, event.size.height)
        self.update_header()

    def _layout_for(self, width: int, height: int) -> None:
        """80x24 over SSH: one pane at a time, tab moves to the next."""
        narrow = width < NARROW_WIDTH or height < NARROW_HEIGHT
        self.set_class(narrow, "narrow")
        if self.investigation is not None:
            self.investigation.set_narrow(narrow)

    @property
    def investigation(self) -> InvestigationView | None:
        """View 1, if the app has it."""
        if _INVESTIGATE not in sys.modules:
            return None  # not mounted yet
        from leaktui.tui.widgets.investigate import InvestigationView

        view = self._investigation
        if view is None or view.parent is None:  # a query on every call cost ms per key
            found = self.query(InvestigationView)
            view = self._investigation = found.first() if found else None
        return view if view is not None and view.is_attached else None

    def views(self) -> list[Widget]:
        return [self.query_one(f"#{spec.id}") for spec in self.view_specs]

    def leak_views(self) -> list[LeakView]:
        return [v for v in self.views() if isinstance(v, LeakView)]

    def has_view(self, view_id: str) -> bool:
        return any(spec.id == view_id for spec in self.view_specs)

    @property
    def active_view(self) -> str | None:
        """Asked by `check_action` for every binding whenever the key bar is redrawn: the
        switcher is kept rather than queried (none once the app is shutting down)."""
        switcher = self._switcher
        if switcher is None or not switcher.is_attached:
            switcher = self._switcher = next(iter(self.query("#views").results(
                ContentSwitcher)), None)
        return switcher.current if switcher is not None else None

    # ------------------------------------------------------------------ loading
    def show_progress(self, label: str, done: float) -> None:
        for found in self.query("#load-label").results(Label):
            found.update(Text(label))
            self.query_one("#load-bar", ProgressBar).update(progress=100 * done)

    def show_load_failed(self, error: str) -> None:
        self.session.load_error = error
        if not self.query("#load-label"):
            return  # quitting
        self.query_one("#load-label", Label).update(Text(f"Cannot open: {error}"))
        self.query_one("#load-bar", ProgressBar).display = False
        self.query_one("#header", Static).update("leaktui  nothing loaded")
        self.query_one("#load-hint", Label).update("q quits")

    def show_loaded(self, loaded: Loaded) -> None:
        if not self.query("#views"):
            return  # quitting
        if not self.views_ready:
            self._pending = loaded  # shown as soon as the views are mounted
            return
        session = self.session
        session.set_loaded(loaded)
        for warning in loaded.warnings:
            self.notify(warning, severity="warning", timeout=20)
        for view in self.leak_views():
            view.snapshots_loaded(loaded)
        session.pins = self.pins_factory(loaded.snaps[-1].path)
        if session.pins.message:
            self.notify(session.pins.message, severity="warning", timeout=10)
        self.pins_changed()
        self.show_snapshot()
        self._prepare_search(loaded.last)
        high = any(s.severity == "high" for s in loaded.suspects)
        first = "suspects" if high and self.has_view("suspects") else "investigate"
        self.action_view(first if self.has_view(first) else self.view_specs[0].id)

    def pins_changed(self) -> None:
        for view in self.leak_views():
            view.pins_changed()

    def show_snapshot(self, keep_id: int | None = None) -> None:
        """Tell the views; the current object stays if its id is in this snapshot too."""
        session = self.session
        for view in self.leak_views():
            view.snapshot_changed(session.loaded, session.current)
        self.update_header()
        investigation = self.investigation
        node = session.snap.ordinal_of_id(keep_id) if keep_id is not None else None
        if node is None and investigation is not None:
            node = investigation.first_instance()
        if node is not None:
            self._show_object(node)

    def update_header(self) -> None:
        memory_line = ""
        if _MEMORY in sys.modules:  # not before the views: the module brings numpy
            from leaktui.tui.widgets.memory import MemoryView

            memory = self.query(MemoryView)
            memory_line = memory.first().summary_line() if memory else ""
        parts = self.session.header_parts(memory_line)
        if not parts:
            return
        line = " · ".join(parts)
        if len(line) > self.size.width - 2 and parts[-1].startswith("series: "):
            line = " · ".join(parts[:-1])  # cut, it would end in `series: app-1…`: [i/n] says
        for header in self.query("#header").results(Static):  # none while shutting down
            header.update(Text(line, no_wrap=True, overflow="ellipsis"))

    def on_memory_panel_sampled(self) -> None:
        self.update_header()

    def need_snapshots(self) -> bool:
        """Whether snapshots are loaded; while loading, the loading screen says what a key
        waits for (one line, not a toast per key)."""
        if self.session.is_loaded:
            return True
        if self.session.load_error is None:
            self.loading_hint = "Nothing loaded yet: the keys work once loading is done " \
                                "(q quits)"
            for hint in self.query("#load-hint").results(Label):
                hint.update(self.loading_hint)
        return False

    # ------------------------------------------------------------------ older snapshots
    def when_full(self, index: int, then: Callable[[], None]) -> bool:
        """Whether snapshot ``index`` has its graph; if not (an older one kept lean), it is
        read in full in a worker, a hint says so, and ``then()`` runs once it is in."""
        session = self.session
        if session.is_full(index):
            return True
        pending = self._after_full
        self._after_full = (index, then)
        if pending is not None and pending[0] == index:
            return False  # already being read: the latest request runs when it is in
        name = os.path.basename(session.snaps[index].path)
        self.notify(f"Reading {name} in full (older snapshots of a series are kept lean)…",
                    timeout=5)
        self._read_full(index, session.snaps[index].path)
        return False

    @work(thread=True, exclusive=True, group="full-snapshot", exit_on_error=False)
    def _read_full(self, index: int, path: str) -> None:
        """Runs in a thread: reads one older snapshot in full, posts it."""
        from leaktui.tui.widgets.instances import AHEAD_PAGES, PAGE

        if self.read_snapshot is None:
            from leaktui.snapshot import load_snapshot

            self.read_snapshot = load_snapshot
        snap = self.read_snapshot(path)
        snap.warm_class_tops(k=PAGE * AHEAD_PAGES)  # as the series' snapshots were
        self.post_message(FullSnapshotRead(index, snap))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Reading an older snapshot in full failed (memory, most likely): say so."""
        if event.worker.group != "full-snapshot" or event.state != WorkerState.ERROR:
            return
        self._after_full = None
        error = event.worker.error
        why = "not enough memory" if isinstance(error, MemoryError) else \
            f"{type(error).__name__}: {error}"
        self.notify(f"Could not read that snapshot in full ({why}).", severity="error")

    @on(FullSnapshotRead)
    def _full_snapshot_read(self, message: FullSnapshotRead) -> None:
        message.stop()
        session = self.session
        if message.index >= len(session.snaps) or session.is_full(message.index):
            return
        session.hold_full(message.index, message.snap)
        pending, self._after_full = self._after_full, None
        if pending is not None and pending[0] == message.index:
            pending[1]()  # shows it: the one shown before can go back to lean
        for released in session.release_full():
            self.searches.pop(released, None)  # its search index holds the full graph

    # ------------------------------------------------------------------ the current object
    def _show_object(self, node: int) -> None:
        self.session.object_node = node
        if self.investigation is not None:
            self.investigation.show_object(node)

    def open_object(self, node: int, snapshot: int | None = None, remember: bool = True,
                    focus: bool = True, follow_class: bool = True) -> None:
        """Make ``node`` the current object (retainers and object panes) and remember it;
        with ``follow_class`` the classes and instances panes move to its class."""
        session = self.session
        if snapshot is not None and not self.when_full(snapshot, lambda: self.open_object(
                node, snapshot, remember, focus, follow_class)):
            return
        if snapshot is not None and session.show_snapshot(snapshot):
            self.show_snapshot()
        if follow_class and self.investigation is not None:
            self.investigation.show_class_of(node)
        self._show_object(node)
        if remember:
            session.remember(node)
        if focus and self.investigation is not None:
            self.action_view("investigate")
            self.investigation.focus_pane(2)

    def open_object_id(self, node_id: int, snapshot: int | None = None) -> bool:
        session = self.session
        index = session.current if snapshot is None else snapshot
        node = session.snaps[index].find_ordinal(node_id)
        if node is None:
            self.notify(f"No object @{node_id} in "
                        f"{os.path.basename(session.snaps[index].path)}.", severity="error")
            return False
        self.open_object(node, index)
        return True

    def open_suspect(self, index: int) -> None:
        session = self.session
        suspect = session.choose_suspect(index)
        if suspect is None:
            self.notify("No leak suspects.")
            return
        self.open_object(suspect.holder, session.loaded.last)
        self.notify(f"Suspect {session.suspect_index + 1}/{len(session.suspects)}: "
                    f"{suspect.title[:100]}")

    @on(OpenObject)
    def _open_object(self, message: OpenObject) -> None:
        message.stop()
        self.open_object(message.node, message.snapshot, focus=message.focus,
                         follow_class=message.follow_class)

    @on(OpenObjects)
    def _open_objects(self, message: OpenObjects) -> None:
        message.stop()
        self.list_objects(message.nodes, message.title, message.snapshot)

    def list_objects(self, nodes: np.ndarray, title: str, snapshot: int | None) -> None:
        investigation = self.investigation
        if investigation is None:
            return
        if snapshot is not None and not self.when_full(
                snapshot, lambda: self.list_objects(nodes, title, snapshot)):
            return
        if snapshot is not None and self.session.show_snapshot(snapshot):
            self.show_snapshot()
        investigation.list_objects(nodes, title)
        self.action_view("investigate")
        investigation.focus_pane(1)

    @on(OpenSuspect)
    def _open_suspect(self, message: OpenSuspect) -> None:
        message.stop()
        self.open_suspect(message.index)

    @on(OpenPin)
    def _open_pin(self, message: OpenPin) -> None:
        message.stop()
        self.open_object_id(message.node_id, self.session.loaded.last)

    # ------------------------------------------------------------------ views and panes
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Letter keys that open an input are plain letters while an input has the focus
        (typing `/` or `g` in the filter or a prompt); view 1's keys do nothing in growth."""
        if action in ("in_investigation", "goto", "search_heap") and \
                isinstance(self.focused, Input):
            return False
        if action == "in_investigation":  # in view 1 its own bindings act
            return self.active_view not in ("growth", "investigate")
        return True

    def action_view(self, view_id: str) -> None:
        session = self.session
        if not session.is_loaded and not session.load_error and view_id != "memory":
            return  # still loading: the loading screen stays
        if not self.has_view(view_id) or not self.views_ready:
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

    def action_pane(self, step: int) -> None:
        investigation = self.investigation
        if self.active_view != "investigate" or investigation is None:
            self.focus_next() if step > 0 else self.focus_previous()
            return
        investigation.move_pane(step)

    def on_investigation_view_pane_shown(self, message: InvestigationView.PaneShown) -> None:
        # Messages can still arrive while the app shuts down and its widgets are gone.
        if self.active_view == "investigate":
            for bar in self.query(KeyBar):
                bar.set_note(message.label)

    def action_in_investigation(self, action: str) -> None:
        """View 1's key pressed in another view: show view 1 and do it there."""
        investigation = self.investigation
        if not self.need_snapshots() or investigation is None:
            return
        if action == "retainers" and self.session.object_node is None:
            self.notify("No object yet: pick a class and an instance, or press g.")
            return
        self.action_view("investigate")
        if action == "filter":
            investigation.open_filter()
        else:
            getattr(investigation, f"action_{action}")()

    # ------------------------------------------------------------------ view 1's requests
    def on_investigation_view_filter_instances(
            self, message: InvestigationView.FilterInstances) -> None:
        message.stop()
        self._start_search(self.session.current, message.text, message.members,
                           message.title)

    def on_investigation_view_sites_wanted(self, message: InvestigationView.SitesWanted
                                           ) -> None:
        """The highlighted class's objects grouped by the function that allocated them."""
        message.stop()
        investigation = self.investigation
        if investigation is None or not self.need_snapshots():
            return
        from leaktui.tui import formatting

        if not formatting.allocations_available(self.session.snap):
            self.notify("This snapshot has no allocation stacks: take one with "
                        "leaktui capture --track-allocations (or node --track-heap-objects).")
            return
        self.action_view("investigate")
        investigation.show_sites(message.class_id)
        self.session.object_node = None
        investigation.focus_pane(3)

    # ------------------------------------------------------------------ keys of every view
    def action_history(self, step: int) -> None:
        session = self.session
        entry = session.step_history(step)
        if entry is None:
            self.notify("No further history." if session.history else "No history yet: press "
                        "o on a retainer or an edge to move to it.")
            return
        index, node = entry
        self.open_object(node, index, remember=False, focus=False, follow_class=False)

    def action_suspect(self, step: int) -> None:
        if self.need_snapshots():
            session = self.session
            self.open_suspect(session.suspect_index + step if session.suspect_index >= 0
                              else 0)

    def action_snapshot(self, step: int) -> None:
        session = self.session
        if len(session.snaps) < 2:
            self.notify("Only one snapshot is open: load two or more to move between them.")
            return
        if not self.when_full(session.index_at(step), lambda: self.action_snapshot(step)):
            return
        keep = session.step_snapshot(step)
        self.show_snapshot(keep)

    def action_goto(self) -> None:
        if not self.need_snapshots():
            return
        from leaktui.tui.screens import GOTO_PLACEHOLDER, GOTO_QUESTION, parse_object_id

        def done(value: str | None) -> None:
            if not value:
                return
            node_id = parse_object_id(value)
            if node_id is None:
                self.notify(f"Not an object id: {value!r}", severity="error")
                return
            self.open_object_id(node_id)

        self.open_prompt(GOTO_QUESTION, GOTO_PLACEHOLDER, done)

    def open_prompt(self, question: str, placeholder: str,
                    done: Callable[[str | None], None]) -> None:
        """Ask in the prompt bar; it has the focus before the next key is handled, so keys
        typed in one go after the command key (`g@123` then enter) all reach it."""
        self.query_one(PromptBar).ask(question, placeholder, done)

    def action_copy_path(self) -> None:
        """The current object as a chat-sized Markdown finding: its path from a root, sizes,
        the suspect it holds and the pin's note (OSC 52, works over SSH)."""
        from leaktui.pins import finding_markdown

        session = self.session
        node = session.object_node
        if node is None or not session.is_loaded:
            self.notify("No current object to copy.")
            return
        snap = session.snap
        pin = session.pins.find(int(snap.node_id[node])) if session.pins is not None else None
        text = finding_markdown(snap, node, note=pin.note if pin and session.on_last else None,
                                suspect=session.suspect_for(node))
        self.app.copy_to_clipboard(text)
        lines = text.count("\n") + 1
        self.notify(f"Copied {snap.class_name(node)} @{int(snap.node_id[node])} as Markdown "
                    f"({lines} lines, through the terminal: OSC 52): paste it into the "
                    "channel.")

    def action_pin(self) -> None:
        """`p`: ask for a note, then pin the current object (as a suspect when it holds
        one)."""
        from leaktui.errors import LeakTuiError
        from leaktui.tui.pinning import PinNoteScreen, make_pin
        from leaktui.units import format_size

        session = self.session
        node, store = session.object_node, session.pins
        if node is None or not session.is_loaded or store is None:
            self.notify("No current object to pin: pick a class and an instance, or press g.")
            return
        if not session.on_last:
            self.notify("Pins belong to the last snapshot of the series: press ] to go there.")
            return
        snap = session.snap
        old = store.find(int(snap.node_id[node]))
        what = f"{snap.class_name(node)} @{int(snap.node_id[node])}"

        def done(note: str | None) -> None:
            if note is None:
                return
            before = len(store.messages)
            try:
                pin = store.add(make_pin(snap, node, note, session.suspect_for(node)))
            except LeakTuiError as exc:
                self.notify(str(exc), severity="error", timeout=12)
                return
            for message in store.messages[before:]:  # e.g. saved in the fallback place
                self.notify(message, severity="warning", timeout=12)
            self.pins_changed()
            kind = f"{pin.pattern} suspect" if pin.kind == "suspect" else "object"
            self.notify(f"Pinned {what} ({kind}, {format_size(pin.retained_size)}) in "
                        f"{store.file}; view 6 lists findings")

        self.app.push_screen(PinNoteScreen(what, old.note if old is not None else ""), done)

    # ------------------------------------------------------------------ search
    def action_search_heap(self) -> None:
        """A prompt; the search runs in a worker and lists what it finds in the instances
        pane."""
        if not self.need_snapshots():
            return
        from leaktui.tui.search import SEARCH_HINT, SEARCH_QUESTION

        index = self.session.current

        def done(value: str | None) -> None:
            if value:
                self._start_search(index, value, None, "")

        self.open_prompt(SEARCH_QUESTION, SEARCH_HINT, done)

    def heap_search(self, index: int) -> HeapSearch:
        from leaktui.snapshot.search import HeapSearch

        search = self.searches.get(index)
        if search is None:
            search = self.searches[index] = HeapSearch(self.session.loaded.full(index))
        return search

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _prepare_search(self, index: int) -> None:
        """What every search needs, made after loading (the first search is then quicker)."""
        self.heap_search(index).prepare()

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, index: int, text: str, within: np.ndarray | None, title: str) -> None:
        """Runs in a thread: never touches a widget, only posts messages."""
        from leaktui.snapshot.search import SearchError
        from leaktui.tui.search import HeapSearchFailed, searched

        try:
            result = self.heap_search(index).find(text)
        except SearchError as exc:
            self.post_message(HeapSearchFailed(str(exc)))
            return
        except MemoryError:
            self.post_message(HeapSearchFailed("not enough memory for this search"))
            return
        except Exception as exc:  # a bug: say so rather than list nothing
            self.log.error(traceback.format_exc())
            self.post_message(HeapSearchFailed(f"internal error ({type(exc).__name__}: "
                                               f"{exc})"))
            return
        self.post_message(searched(index, result, text, within, title))

    def _start_search(self, index: int, text: str, within: np.ndarray | None,
                      title: str) -> None:
        """A search asked before is answered at once; a new one runs in a worker."""
        from leaktui.tui.search import searched

        search = self.searches.get(index)
        result = search.cached(text) if search is not None else None
        if result is not None:
            self.on_heap_searched(searched(index, result, text, within, title))
        else:
            self._search(index, text, within, title)

    def on_heap_searched(self, message: HeapSearched) -> None:
        session, investigation = self.session, self.investigation
        if investigation is None or message.snapshot >= len(session.snaps):
            return
        if not self.when_full(message.snapshot, lambda: self.on_heap_searched(message)):
            return
        if session.show_snapshot(message.snapshot):
            self.show_snapshot()
        self.notify(message.summary or f"{len(message.nodes):,} objects")
        if not len(message.nodes):
            return
        investigation.list_objects(message.nodes, message.title)
        first = investigation.first_instance()
        if first is not None:  # who holds the largest match, at once (enter makes it current)
            self._show_object(first)
        self.action_view("investigate")
        investigation.focus_pane(1)

    def on_heap_search_failed(self, message: HeapSearchFailed) -> None:
        self.notify(f"Search: {message.error}", severity="error")

