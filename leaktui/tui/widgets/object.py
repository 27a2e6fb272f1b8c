"""ObjectPane: the current object. A summary (type, sizes, distance, path from a root) above
a tree of what it points to (each edge opens into the target's own edges), its dominators,
and for closures the captured variables and the source around the definition; for strings
their text. `o` on any row naming an object makes it the current one."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from leaktui.snapshot import HeapSnapshot
from leaktui.snapshot.paths import path_text
from leaktui.snapshot.scripts import edge_target, script_name
from leaktui.tui import formatting
from leaktui.tui.view import focus_now
from leaktui.tui.widgets._trees import SteadyTree
from leaktui.tui.widgets.retainers import LOADING_SLOTS
from leaktui.units import format_size

EDGE_PAGE = 100  # edges listed per level before an "N more" row
MAX_DOMINATORS = 30
MAX_TEXT_LINES = 40
SOURCE_CONTEXT = 5


@dataclass(frozen=True)
class ObjectRow:
    node: int = -1  # the object the row names (-1: a heading or a line of text)
    edges_of: int = -1  # expanding the row lists this object's outgoing edges
    more_from: int = -1  # an "N more" row: the next edge index to list
    context_only: bool = False  # list only context edges (a closure's captured variables)


def object_summary(snap: HeapSnapshot, node: int, path: str | None = None) -> Text:
    """Label, type, sizes, distance and the path from a root (``path``: its text if already
    known or a placeholder; else found here)."""
    t = Text()
    t.append(formatting.object_label(snap, node), style="bold")
    t.append(f" · {snap.type_name(node)}\n")
    shallow, raw = int(snap.self_size[node]), int(snap.raw_self_size[node])
    t.append(f"shallow {format_size(shallow)}")
    if raw != shallow:
        t.append(f" (raw {format_size(raw)})")
    t.append(f" · retained {format_size(int(snap.retained_size[node]))}"
             f" · distance {formatting.distance(int(snap.distance[node]))}\n")
    t.append("path: ", style="bold")
    t.append(path_text(snap, node) if path is None else path)
    return t


def edge_label(snap: HeapSnapshot, edge: int) -> Text:
    """`.name  property → Class @id  shallow / retained`."""
    target = int(snap.edge_to[edge])
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append(snap.edge_label(edge)[:50], style="bold")
    t.append(f" {snap.edge_type_name(edge)}", style="dim")
    t.append(f" → {formatting.object_label(snap, target)}")
    t.append(f"  {format_size(int(snap.self_size[target]))}"
             f" / {format_size(int(snap.retained_size[target]))}", style="dim")
    return t


class ObjectTree(SteadyTree[ObjectRow]):
    BORDER_TITLE = "Object"

    def __init__(self, **kwargs: object) -> None:
        super().__init__("object", **kwargs)  # type: ignore[arg-type]
        self.show_root = False
        self.snap: HeapSnapshot | None = None

    def show(self, snap: HeapSnapshot, node: int) -> None:
        self.snap = snap
        self.clear()
        root = self.root
        text = formatting.string_text(snap, node)
        if text is not None:
            self._add_text(root, text)
        if int(snap.node_type[node]) == snap.T_CLOSURE:
            self._add_closure(root, node)
        else:
            self._add_location(root, node, "constructor at")
        count = len(snap.edges(node))
        edges = root.add(Text(f"edges ({count:,})", style="bold underline"),
                         ObjectRow(edges_of=node), allow_expand=count > 0)
        self._load(edges)
        edges.expand()
        chain = snap.dominator_chain(node)[1:]
        doms = root.add(Text(f"dominators ({len(chain):,})", style="bold underline"),
                        ObjectRow(), allow_expand=bool(chain))
        for d in chain[:MAX_DOMINATORS]:
            doms.add(self._object_text(d), ObjectRow(node=d, edges_of=d),
                     allow_expand=len(snap.edges(d)) > 0)
        if len(chain) > MAX_DOMINATORS:
            doms.add_leaf(Text(f"… {len(chain) - MAX_DOMINATORS:,} more up to the root",
                               style="italic"), ObjectRow())
        doms.expand()
        frames = formatting.stack_labels(snap, node)
        if frames:
            site = root.add(Text("allocated at", style="bold underline"), ObjectRow())
            for label in frames:
                site.add_leaf(Text(label), ObjectRow())  # Text: script names like [eval]
            site.expand()
        root.expand()
        self.call_after_refresh(self.move_cursor, edges)

    def _object_text(self, node: int) -> Text:
        snap = self.snap
        assert snap is not None
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(formatting.object_label(snap, node))
        t.append(f"  {format_size(int(snap.self_size[node]))}"
                 f" / {format_size(int(snap.retained_size[node]))}", style="dim")
        return t

    def _add_text(self, root: TreeNode[ObjectRow], text: str) -> None:
        section = root.add(Text(f"text ({len(text):,} characters)", style="bold underline"),
                           ObjectRow())
        lines = textwrap.wrap(text, 70, replace_whitespace=False, drop_whitespace=False) or [""]
        for line in lines[:MAX_TEXT_LINES]:
            section.add_leaf(Text(repr(line)[1:-1]), ObjectRow())
        if len(lines) > MAX_TEXT_LINES:
            shown = sum(len(line) for line in lines[:MAX_TEXT_LINES])
            section.add_leaf(Text(f"… {len(text) - shown:,} more characters", style="italic"),
                             ObjectRow())
        section.expand()

    def _add_location(self, root: TreeNode[ObjectRow], node: int, what: str) -> None:
        snap = self.snap
        assert snap is not None
        loc = snap.location(node)
        if loc is None:
            return
        script = script_name(snap, node)
        where = f"{script or f'script {loc.script_id}'}:{loc.line + 1}:{loc.column + 1}"
        section = root.add(Text(f"{what} {where}", style="bold underline"), ObjectRow())
        excerpt = (formatting.source_excerpt(script, loc.line + 1, SOURCE_CONTEXT,
                                               loc.column + 1) if script
                   else None)
        if excerpt is None:
            section.add_leaf(Text("source not readable on this host", style="italic"),
                             ObjectRow())
        else:
            for number, line in excerpt.numbered():
                focus = number == excerpt.focus
                section.add_leaf(Text(f"{'>' if focus else ' '}{number:5} │ {line[:160]}",
                                      style="bold" if focus else ""), ObjectRow())
        section.expand()

    def _add_closure(self, root: TreeNode[ObjectRow], node: int) -> None:
        snap = self.snap
        assert snap is not None
        self._add_location(root, node, "defined at")
        context = edge_target(snap, node, "context")
        if context < 0:
            return
        count = sum(1 for e in snap.edges(context) if int(snap.edge_type[e]) == snap.E_CONTEXT)
        section = root.add(Text(f"captured variables ({count:,})", style="bold underline"),
                           ObjectRow(edges_of=context, context_only=True),
                           allow_expand=count > 0)
        self._load(section)
        section.expand()

    def _load(self, tree_node: TreeNode[ObjectRow], start: int = 0) -> None:
        """List the outgoing edges of the row's object, ``EDGE_PAGE`` at a time."""
        data, snap = tree_node.data, self.snap
        if data is None or snap is None or data.edges_of < 0:
            return
        edges: Sequence[int] = snap.edges(data.edges_of)
        if data.context_only:
            edges = [e for e in edges if int(snap.edge_type[e]) == snap.E_CONTEXT]
        for e in edges[start:start + EDGE_PAGE]:
            target = int(snap.edge_to[e])
            tree_node.add(edge_label(snap, e), ObjectRow(node=target, edges_of=target),
                          allow_expand=len(snap.edges(target)) > 0)
        rest = len(edges) - start - EDGE_PAGE
        if rest > 0:
            tree_node.add_leaf(Text(f"… {rest:,} more edges (enter)", style="italic"),
                               ObjectRow(edges_of=data.edges_of, more_from=start + EDGE_PAGE,
                                         context_only=data.context_only))

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[ObjectRow]) -> None:
        event.stop()
        if not event.node.children:
            self._load(event.node)

    def on_tree_node_selected(self, event: Tree.NodeSelected[ObjectRow]) -> None:
        data, parent = event.node.data, event.node.parent
        if data is not None and data.more_from >= 0 and parent is not None:
            event.stop()
            event.node.remove()
            self._load(parent, data.more_from)  # the parent lists the same edges

    def current_node(self) -> int | None:
        cursor = self.cursor_node
        if cursor is None or cursor.data is None or cursor.data.more_from >= 0:
            return None
        return cursor.data.node if cursor.data.node >= 0 else None


class ObjectPane(Vertical):
    """Summary and tree of the current object; or a class's allocation sites (key `a`)."""

    BORDER_TITLE = "Object"

    class PathFound(Message):
        """A worker found the path from a root to an object held through many slots."""

        def __init__(self, snap: HeapSnapshot, node: int, path: str) -> None:
            super().__init__()
            self.snap = snap
            self.node = node
            self.path = path

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._shown: tuple[HeapSnapshot, int] | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="object-summary"):
            yield Static("", id="object")
        yield ObjectTree(id="object-tree")

    def show(self, snap: HeapSnapshot, node: int) -> None:
        self.remove_class("sites")
        self._shown = (snap, node)
        if len(snap.retainer_slots(node)) > LOADING_SLOTS:  # each step up reads every slot
            self.query_one("#object", Static).update(
                object_summary(snap, node, "… finding the nearest root"))
            # Started once the placeholder is on screen (a worker started now would take
            # the GIL from the UI thread while it draws that frame).
            self.call_after_refresh(self._start_finding, snap, node)
        else:
            self.query_one("#object", Static).update(object_summary(snap, node))
        self.query_one(ObjectTree).show(snap, node)
        self.border_title = Text(f"Object {formatting.object_label(snap, node)}")

    def _start_finding(self, snap: HeapSnapshot, node: int) -> None:
        if self._shown is not None and self._shown[0] is snap and self._shown[1] == node:
            self._find_path(snap, node)

    @work(thread=True, group="object-path", exit_on_error=False)
    def _find_path(self, snap: HeapSnapshot, node: int) -> None:
        """Runs in a thread: never touches a widget, only posts a message."""
        try:
            path = path_text(snap, node)
        except Exception as exc:  # said in the pane: "finding" never stays forever
            path = f"could not find the path from a root: {type(exc).__name__}: {exc}"
        self.post_message(self.PathFound(snap, node, path))

    def on_object_pane_path_found(self, message: PathFound) -> None:
        message.stop()
        if self._shown is not None and self._shown[0] is message.snap and \
                self._shown[1] == message.node and not self.has_class("sites"):
            self.query_one("#object", Static).update(
                object_summary(message.snap, message.node, message.path))

    def show_sites(self, snap: HeapSnapshot, class_id: int) -> None:
        self._shown = None
        self.add_class("sites")
        self.query_one("#object", Static).update(formatting.sites_text(snap, class_id))
        self.border_title = "Allocation sites"

    def current_node(self) -> int | None:
        return self.query_one(ObjectTree).current_node()

    def focus_tree(self) -> None:
        if self.has_class("sites"):
            focus_now(self.query_one("#object-summary"))
        else:
            focus_now(self.query_one(ObjectTree))
