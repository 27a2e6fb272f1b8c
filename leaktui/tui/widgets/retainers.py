"""RetainerTree: who holds the current object, in DevTools' order (nearest to a root first),
loaded level by level as rows are expanded and opened along the shortest path to a root."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from leaktui.snapshot import BASE_SYSTEM_DISTANCE, HeapSnapshot
from leaktui.tui import formatting
from leaktui.units import format_size

TREE_WIDTH = 50  # retainers listed per level before an "N more" row
AUTO_EXPAND_DEPTH = 40  # levels opened by one key
CACHED_LISTS = 64


@dataclass(frozen=True)
class RetainerRow:
    node: int
    edge: int  # edge from this retainer to the row above (-1 for the object itself)
    ancestors: frozenset[int]  # objects on the way up to here (to mark cycles)
    more_from: int = -1  # an "N more" row: the index of the next retainer to list


def retainer_label(snap: HeapSnapshot, node: int, edge: int, cycle: bool = False) -> Text:
    """`<edge> in <Class> @<id> [↻ cycle | ◆ root]  d<distance> <shallow> / <retained>`."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if edge >= 0:
        text.append(snap.edge_label(edge)[:60], style="bold")
        text.append(" in ")
    text.append(formatting.object_label(snap, node))
    d = int(snap.distance[node])
    if cycle:
        text.append(" ↻ cycle", style="italic")
    elif 0 <= d <= 1:
        text.append(" ◆ root", style="italic")
    text.append(f"  d{formatting.distance(d)} {format_size(int(snap.self_size[node]))}"
                f" / {format_size(int(snap.retained_size[node]))}", style="dim")
    return text


class RetainerTree(Tree[RetainerRow]):
    HELP_TITLE = "Retainers pane"
    BORDER_TITLE = "Retainers"
    BORDER_SUBTITLE = "d3: distance 3 from a root · sizes shallow / retained"
    BINDINGS = [
        Binding("e", "expand_path", "path to root",
                tooltip="open the nearest retainers from the highlighted row up to a root"),
        Binding("shift+space", "expand_path", show=False),
    ]

    class RootReached(Message):
        """The nearest-retainer chain was opened up to a root (or as far as it goes)."""

        def __init__(self, nodes: list[int]) -> None:
            super().__init__()
            self.nodes = nodes

    def __init__(self, **kwargs: object) -> None:
        super().__init__("(no object)", **kwargs)  # type: ignore[arg-type]
        self.snap: HeapSnapshot | None = None
        self._lists: OrderedDict[int, list[tuple[int, int]]] = OrderedDict()

    def show(self, snap: HeapSnapshot, node: int) -> None:
        """Make ``node`` the root of the tree and open the path to a GC root."""
        if snap is not self.snap:
            self._lists.clear()
        self.snap = snap
        self.clear()
        self.root.set_label(retainer_label(snap, node, -1))
        self.root.data = RetainerRow(node, -1, frozenset([node]))
        self.root.allow_expand = True
        self.expand_path(self.root)

    @property
    def object_node(self) -> int | None:
        """The object whose retainers are shown."""
        data = self.root.data
        return None if data is None else data.node

    def _retainers(self, node: int) -> list[tuple[int, int]]:
        assert self.snap is not None
        found = self._lists.get(node)
        if found is None:
            found = self._lists[node] = self.snap.retainers(node)
            if len(self._lists) > CACHED_LISTS:
                self._lists.popitem(last=False)
        return found

    def _load(self, tree_node: TreeNode[RetainerRow], start: int = 0) -> None:
        """List retainers ``start`` .. ``start + TREE_WIDTH`` under ``tree_node``."""
        data, snap = tree_node.data, self.snap
        if data is None or snap is None:
            return
        retainers = self._retainers(data.node)
        for edge, src in retainers[start:start + TREE_WIDTH]:
            cycle = src in data.ancestors
            tree_node.add(retainer_label(snap, src, edge, cycle),
                          RetainerRow(src, edge, data.ancestors | {src}),
                          allow_expand=not cycle and len(snap.retainer_slots(src)) > 0)
        rest = len(retainers) - start - TREE_WIDTH
        if rest > 0:
            tree_node.add_leaf(Text(f"… {rest:,} more retainers (enter)", style="italic"),
                               RetainerRow(data.node, -1, data.ancestors,
                                           more_from=start + TREE_WIDTH))
        if not retainers:
            tree_node.allow_expand = False

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[RetainerRow]) -> None:
        event.stop()
        if not event.node.children:
            self._load(event.node)

    def on_tree_node_selected(self, event: Tree.NodeSelected[RetainerRow]) -> None:
        data = event.node.data
        parent = event.node.parent
        if data is not None and data.more_from >= 0 and parent is not None:
            event.stop()
            event.node.remove()
            self._load(parent, data.more_from)

    def expand_path(self, start: TreeNode[RetainerRow] | None = None) -> list[int]:
        """Open the first (nearest) retainer level by level from ``start`` (the cursor by
        default) until a root: DevTools' shortest path. Returns the objects on the way."""
        node = start if start is not None else (self.cursor_node or self.root)
        path: list[int] = []
        for _ in range(AUTO_EXPAND_DEPTH):
            if not node.children:
                self._load(node)
            node.expand()
            first = node.children[0] if node.children else None
            if first is None or first.data is None or first.data.more_from >= 0:
                break
            path.append(first.data.node)
            d = int(self.snap.distance[first.data.node]) if self.snap is not None else 0
            if not 1 < d < BASE_SYSTEM_DISTANCE or not first.allow_expand:
                node = first
                break
            node = first
        self.move_cursor(node)
        self.post_message(self.RootReached(path))
        return path

    def action_expand_path(self) -> None:
        self.expand_path()

    def action_toggle_expand_all(self) -> None:  # shift+space: never the whole graph
        self.expand_path()

    def current_node(self) -> int | None:
        """The object on the highlighted row (None on an "N more" row)."""
        cursor = self.cursor_node
        if cursor is None or cursor.data is None or cursor.data.more_from >= 0:
            return None
        return cursor.data.node

    def path_nodes(self) -> list[int]:
        """Objects along the opened first-retainer chain, the nearest to the root last."""
        out = []
        node = self.root
        while node.children and node.is_expanded:
            first = node.children[0]
            if first.data is None or first.data.more_from >= 0:
                break
            out.append(first.data.node)
            node = first
        return out

    def path_labels(self) -> list[str]:
        out = []
        node = self.root
        while node.children and node.is_expanded:
            node = node.children[0]
            out.append(str(node.label))
        return out
