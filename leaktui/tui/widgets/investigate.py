"""InvestigationView (key 1): classes, the highlighted class's instances, the retainers of
the current object and the object itself, in a 2x2 grid; one pane at a time when narrow."""

from __future__ import annotations

import numpy as np
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

from leaktui.snapshot import HeapSnapshot
from leaktui.tui import messages
from leaktui.tui.view import LeakView, Loaded, focus_now
from leaktui.tui.widgets.classes import ClassSummaryTable
from leaktui.tui.widgets.instances import AHEAD_PAGES, PAGE, InstanceTable
from leaktui.tui.widgets.object import ObjectPane, ObjectTree
from leaktui.tui.widgets.retainers import RetainerTree

PANES = ("classes", "instances", "retainers", "object")


class InvestigationView(Grid, LeakView):
    """The panes and view 1's keys. The main screen owns the session and calls
    `show_snapshot`, `show_object`, `list_objects` and the small public API below
    (`open_filter`, `cycle_sort`, `expand_retainers`, `show_sites`, `focus_pane`);
    choices go up as requests (`messages.OpenObject`)."""

    BINDINGS = [
        # `/` is a priority binding: it runs as soon as it arrives, so the keys typed right
        # after it (one batch over a slow SSH link) land in the filter.
        Binding("slash", "filter", "filter", priority=True,
                tooltip="filter classes by name (esc clears); in the instances pane, filter "
                        "its objects by name, value or property (re: for a regex)"),
        Binding("s", "sort", "sort", tooltip="change the sort column of the classes"),
        Binding("o", "open_highlighted", "open",
                tooltip="make the highlighted retainer, instance or edge the current object"),
        Binding("r", "retainers", "root path", tooltip="the current object's path to a root"),
        Binding("a", "allocation_sites", show=False,
                tooltip="group the highlighted class by allocation site (tracked snapshots)"),
        Binding("escape", "clear_filter", "clear filter", show=False),
    ]

    class FilterInstances(Message):
        """A request: look for ``text`` among the objects listed in the instances pane (`/`
        there); the main screen runs the search and lists what it finds."""

        def __init__(self, members: np.ndarray, title: str, text: str) -> None:
            super().__init__()
            self.members, self.title, self.text = members, title, text

    class SitesWanted(Message):
        """`a`: the class's objects by allocation site, if the snapshot has stacks."""

        def __init__(self, class_id: int) -> None:
            super().__init__()
            self.class_id = class_id

    class PaneShown(Message):
        """The pane shown (or focused) changed: where one is, for the key bar."""

        def __init__(self, index: int, narrow: bool) -> None:
            super().__init__()
            self.index, self.narrow = index, narrow

        @property
        def label(self) -> str:
            """`2/4 instances` in the narrow layout, else ""."""
            return f"{self.index + 1}/{len(PANES)} {PANES[self.index]}" if self.narrow else ""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.snap: HeapSnapshot | None = None
        self.pane = 0
        self.narrow = False
        self._listed: tuple[int, int] | None = None  # (id(snap), class id) in the instances
        self._highlighted: int | None = None  # the class under the table's cursor
        self.object_node: int | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="classes-box", classes="pane"):
            yield Input(placeholder="/ filter classes by name (esc clears)", id="filter")
            yield ClassSummaryTable(id="classes")
        yield InstanceTable(id="instances", classes="pane")
        yield RetainerTree(id="retainers", classes="pane")
        yield ObjectPane(id="object-box", classes="pane")

    # ------------------------------------------------------------------ view hooks
    def snapshot_changed(self, loaded: Loaded, index: int) -> None:
        self.show_snapshot(loaded.full(index))

    def view_shown(self) -> None:
        self.focus_pane(self.pane)

    # ------------------------------------------------------------------ what is shown
    def show_snapshot(self, snap: HeapSnapshot) -> None:
        """Show a snapshot's classes; keeps the filter and the sort."""
        self.snap = snap
        self._listed = None
        self._set_object(None)
        table = self.query_one(ClassSummaryTable)
        table.show(snap)
        class_id = table.current_class()
        self._highlighted = class_id
        if class_id is not None:  # now, not when the highlight message arrives
            self.list_class(class_id)

    def list_class(self, class_id: int) -> None:
        snap = self.snap
        if snap is None or self._listed == (id(snap), class_id):
            return
        self._listed = (id(snap), class_id)
        self.query_one(InstanceTable).show(
            snap, snap.class_members(class_id), snap.class_names[class_id],
            first_page=snap.class_top(class_id, PAGE * AHEAD_PAGES))

    def show_class_of(self, node: int) -> None:
        """Classes and Instances move to ``node``'s class with the cursor on ``node``, as
        when the user walked there (when it is on the instances' first pages and the filter
        shows its class; else they stay)."""
        snap = self.snap
        if snap is None:
            return
        class_id = int(snap.class_id[node])
        first = snap.class_top(class_id, PAGE * AHEAD_PAGES)
        rows = np.flatnonzero(first == node)
        if not len(rows) or not self.query_one(ClassSummaryTable).select_class(class_id):
            return
        self._highlighted = class_id
        self.list_class(class_id)
        table = self.query_one(InstanceTable)
        while table.shown <= int(rows[0]) and table.shown < len(table.members):
            table.add_page()
        table.move_cursor(row=int(rows[0]), scroll=True)

    def list_objects(self, nodes: np.ndarray, title: str) -> None:
        if self.snap is None:
            return
        self._listed = None
        self.query_one(InstanceTable).show(self.snap, nodes, title)

    def show_object(self, node: int) -> bool:
        """Make ``node`` the object of the retainers and object panes; False if it was."""
        if self.snap is None or node == self.object_node:
            return False
        self._set_object(node)
        self.query_one(RetainerTree).show(self.snap, node)
        self.query_one(ObjectPane).show(self.snap, node)
        return True

    def show_sites(self, class_id: int) -> None:
        if self.snap is not None:
            self._set_object(None)
            self.query_one(ObjectPane).show_sites(self.snap, class_id)

    def _set_object(self, node: int | None) -> None:
        """The object shown is the session's current object (a preview too)."""
        self.object_node = node
        if self.session is not None:
            self.session.object_node = node

    def first_instance(self) -> int | None:
        table = self.query_one(InstanceTable)
        return int(table.nodes[0]) if table.shown else None

    def highlighted_node(self) -> int | None:
        """The object on the highlighted row of the focused pane (retainers, instances or
        the object's edges and dominators)."""
        focused = self.screen.focused
        if isinstance(focused, (RetainerTree, InstanceTable, ObjectTree)):
            return focused.current_node()
        return None

    def expand_retainers(self) -> list[int]:
        tree = self.query_one(RetainerTree)
        path = tree.expand_path(tree.root)
        self.focus_pane(2)
        return path

    def cycle_sort(self) -> None:
        """The class table's next sort column; the focus goes to it."""
        self.focus_pane(0)
        self.query_one(ClassSummaryTable).action_cycle_sort()

    def highlighted_class(self) -> int | None:
        return self.query_one(ClassSummaryTable).current_class()

    # ------------------------------------------------------------------ keys
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`/` is a plain letter while the filter (an input) has the focus."""
        return not (action == "filter" and isinstance(self.screen.focused, Input))

    def action_filter(self) -> None:
        if self.snap is None:
            return
        focused = self.screen.focused
        if isinstance(focused, InstanceTable):
            self._ask_instance_filter(focused)
            return
        self.open_filter()

    def _ask_instance_filter(self, table: InstanceTable) -> None:
        """The screen's prompt bar opens and takes the focus before the next key is handled,
        so what is typed right after `/` lands in it."""
        from leaktui.tui.search import SEARCH_HINT, instance_filter_question
        from leaktui.tui.widgets.prompt import PromptBar

        members, title = table.members, table.title

        def done(value: str | None) -> None:
            if value:
                self.post_message(self.FilterInstances(members, title, value))

        bars = self.screen.query(PromptBar)
        if bars:
            bars.first().ask(instance_filter_question(title), SEARCH_HINT, done)

    def action_sort(self) -> None:
        if self.snap is not None:
            self.cycle_sort()

    def action_open_highlighted(self) -> None:
        if self.snap is None:
            return
        node = self.highlighted_node()
        if node is None:
            self.notify("Highlight a retainer, an instance or an edge first.")
            return
        self.post_message(messages.OpenObject(node, focus=False, follow_class=False))

    def action_retainers(self) -> None:
        if self.object_node is None:
            self.notify("No object yet: pick a class and an instance, or press g.")
            return
        self.expand_retainers()

    def action_allocation_sites(self) -> None:
        class_id = self.highlighted_class()
        if self.snap is not None and class_id is not None:
            self.post_message(self.SitesWanted(class_id))

    # ------------------------------------------------------------------ panes
    def set_narrow(self, narrow: bool) -> None:
        self.narrow = narrow
        self._show_panes()

    def _show_panes(self) -> None:
        for i, box in enumerate(self.query(".pane")):
            box.display = not self.narrow or i == self.pane
        self.post_message(self.PaneShown(self.pane, self.narrow))

    def focus_pane(self, index: int) -> None:
        self.pane = index % len(PANES)
        self._show_panes()
        target: Widget = {
            "classes": self.query_one(ClassSummaryTable),
            "instances": self.query_one(InstanceTable),
            "retainers": self.query_one(RetainerTree),
            "object": self.query_one(ObjectTree),
        }[PANES[self.pane]]
        if PANES[self.pane] == "object":
            self.query_one(ObjectPane).focus_tree()
        else:
            focus_now(target)

    def move_pane(self, step: int) -> None:
        self.focus_pane(self.pane + step)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A click (or a focus by the program) on a pane makes it the current pane. Focus
        events arrive late: one for a widget that has lost the focus since (the view shown
        focuses its last pane, then a request focuses another) is old news."""
        focused = event.widget
        if focused is not self.screen.focused:
            return
        for i, box in enumerate(self.query(".pane")):
            if focused is box or box in focused.ancestors:
                if i != self.pane:
                    self.pane = i
                    self.post_message(self.PaneShown(i, self.narrow))
                break

    # ------------------------------------------------------------------ filter
    def open_filter(self) -> None:
        self.focus_pane(0)
        # Now, not after this message: keys typed right after `/` (one batch over SSH) must
        # land in the filter, not on the table's own keys.
        focus_now(self.query_one("#filter", Input))

    def action_clear_filter(self) -> None:
        """esc: the class filter emptied and the table focused (in the filter, or with a
        filter set). The filter line stays where it is: one that came and went resized the
        class table, and Textual laid the screen out two or three times for it."""
        flt = self.query_one("#filter", Input)
        if flt.value or flt.has_focus:
            flt.value = ""
            self.query_one(ClassSummaryTable).set_filter("")
            focus_now(self.query_one(ClassSummaryTable))

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_one(ClassSummaryTable).set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        focus_now(self.query_one(ClassSummaryTable))

    # ------------------------------------------------------------------ pane events
    @on(ClassSummaryTable.ClassHighlighted)
    def _class_highlighted(self, event: ClassSummaryTable.ClassHighlighted) -> None:
        event.stop()
        # Highlights arrive late and repeat: only a move to another class lists it (a list
        # of objects shown on request stays until then).
        if event.class_id != self._highlighted:
            self._highlighted = event.class_id
            self.list_class(event.class_id)

    @on(ClassSummaryTable.ClassChosen)
    def _class_chosen(self, event: ClassSummaryTable.ClassChosen) -> None:
        event.stop()
        self.list_class(event.class_id)
        self.focus_pane(1)
        node = self.query_one(InstanceTable).current_node()
        if node is not None:  # drilling in previews the highlighted instance
            self.show_object(node)

    @on(InstanceTable.ObjectHighlighted)
    def _instance_highlighted(self, event: InstanceTable.ObjectHighlighted) -> None:
        event.stop()
        self.show_object(event.node)  # a preview: no history entry

    @on(InstanceTable.ObjectChosen)
    def _instance_chosen(self, event: InstanceTable.ObjectChosen) -> None:
        event.stop()
        self.post_message(messages.OpenObject(event.node, follow_class=False))
