"""RetainerTree: who holds the current object, in DevTools' order (nearest to a root first),
loaded level by level as rows are expanded and opened along the shortest path to a root."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from leaktui.snapshot import BASE_SYSTEM_DISTANCE, HeapSnapshot
from leaktui.tui import formatting
from leaktui.tui.widgets._trees import SteadyTree
from leaktui.units import format_size

TREE_WIDTH = 50  # retainers listed per level before an "N more" row
AUTO_EXPAND_DEPTH = 40  # levels opened by one key
CACHED_LISTS = 64
LOADING_SLOTS = 200_000  # an object held through more slots has its retainers listed in a worker

Retainers = tuple[list[tuple[int, int]], int]  # the first retainers, how many in all


@dataclass(frozen=True)
class RetainerRow:
    node: int
    edge: int  # edge from this retainer to the row above (-1 for the object itself)
    ancestors: frozenset[int]  # objects on the way up to here (to mark cycles)
    more_from: int = -1  # an "N more" row: the index of the next retainer to list
    loading: bool = False  # the row shown while a worker lists the retainers

    @property
    def is_object(self) -> bool:
        return self.more_from < 0 and not self.loading


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


class RetainerTree(SteadyTree[RetainerRow]):
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

    class RetainersListed(Message):
        """A worker named and sorted a page of an object's retainers."""

        def __init__(self, snap: HeapSnapshot, node: int, found: Retainers | None,
                     tree_node: TreeNode[RetainerRow], start: int, error: str = "") -> None:
            super().__init__()
            self.snap = snap
            self.node = node
            self.found = found  # None: the worker failed with ``error``
            self.tree_node = tree_node
            self.start = start
            self.error = error

    def __init__(self, **kwargs: object) -> None:
        super().__init__("(no object)", **kwargs)  # type: ignore[arg-type]
        self.snap: HeapSnapshot | None = None
        # the path to a root goes on from there when its retainers are listed
        self._expand_when_listed: TreeNode[RetainerRow] | None = None
        # node -> (its first retainers in DevTools' order, how many it has in all)
        self._lists: OrderedDict[int, tuple[list[tuple[int, int]], int]] = OrderedDict()

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

    def _retainers(self, node: int, wanted: int) -> Retainers | None:
        """At least the first ``wanted`` retainers of ``node`` (all when it has fewer) and
        their total: a page is named and sorted, never the whole list. None when they are
        not listed yet and an object held through this many slots waits for a worker."""
        assert self.snap is not None
        found = self._lists.get(node)
        if found is None or (len(found[0]) < wanted and len(found[0]) < found[1]):
            if len(self.snap.retainer_slots(node)) > LOADING_SLOTS:
                return None
            shown = 0 if found is None else len(found[0])
            found = self.snap.first_retainers(node, max(wanted, 2 * shown))
            self._remember(node, found)
        self._lists.move_to_end(node)
        return found

    def _remember(self, node: int, found: Retainers) -> None:
        self._lists[node] = found
        if len(self._lists) > CACHED_LISTS:
            self._lists.popitem(last=False)

    def _load(self, tree_node: TreeNode[RetainerRow], start: int = 0) -> None:
        """List retainers ``start`` .. ``start + TREE_WIDTH`` under ``tree_node`` (or a
        "loading" row while a worker lists them)."""
        data, snap = tree_node.data, self.snap
        if data is None or snap is None:
            return
        found = self._retainers(data.node, start + TREE_WIDTH)
        if found is None:
            slots = len(snap.retainer_slots(data.node))
            tree_node.add_leaf(Text(f"… listing the retainers ({slots:,} slots)",
                                    style="italic"),
                               RetainerRow(data.node, -1, data.ancestors, loading=True))
            known = self._lists.get(data.node)
            wanted = max(start + TREE_WIDTH, 2 * len(known[0]) if known else 0)
            # Started once the "listing" row is on screen: a worker started now would take
            # the GIL from the UI thread while it draws that frame.
            self.call_after_refresh(self._start_listing, snap, data.node, wanted, tree_node,
                                    start)
            return
        retainers, total = found
        for edge, src in retainers[start:start + TREE_WIDTH]:
            cycle = src in data.ancestors
            tree_node.add(retainer_label(snap, src, edge, cycle),
                          RetainerRow(src, edge, data.ancestors | {src}),
                          allow_expand=not cycle and len(snap.retainer_slots(src)) > 0)
        rest = total - start - TREE_WIDTH
        if rest > 0:
            tree_node.add_leaf(Text(f"… {rest:,} more retainers (enter)", style="italic"),
                               RetainerRow(data.node, -1, data.ancestors,
                                           more_from=start + TREE_WIDTH))
        if not total:
            tree_node.allow_expand = False

    def _start_listing(self, snap: HeapSnapshot, node: int, wanted: int,
                       tree_node: TreeNode[RetainerRow], start: int) -> None:
        if snap is self.snap and self._attached(tree_node):  # else: another object by now
            self._list_retainers(snap, node, wanted, tree_node, start)

    @work(thread=True, group="retainers", exit_on_error=False)
    def _list_retainers(self, snap: HeapSnapshot, node: int, wanted: int,
                        tree_node: TreeNode[RetainerRow], start: int) -> None:
        """Runs in a thread: never touches a widget (``tree_node`` is only passed on), only
        posts a message."""
        try:
            found = snap.first_retainers(node, wanted)
        except Exception as exc:  # said in the tree: a "listing" row never waits forever
            self.post_message(self.RetainersListed(snap, node, None, tree_node, start,
                                                   error=f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(self.RetainersListed(snap, node, found, tree_node, start))

    def on_retainer_tree_retainers_listed(self, message: RetainersListed) -> None:
        message.stop()
        if message.snap is not self.snap:
            return
        if message.found is not None:
            self._remember(message.node, message.found)
        tree_node = message.tree_node
        if not self._attached(tree_node):
            return  # another object is shown now, or that row was closed
        loading = [c for c in tree_node.children if c.data is not None and c.data.loading]
        if not loading:
            return
        on_loading = self.cursor_node is loading[0]
        for row in loading:
            row.remove()
        if message.found is None:
            if self._expand_when_listed is tree_node:
                self._expand_when_listed = None
            tree_node.add_leaf(Text(f"could not list the retainers: {message.error}",
                                    style="bold red"))
            return
        self._load(tree_node, message.start)
        if self._expand_when_listed is tree_node:
            self._expand_when_listed = None
            self.expand_path(tree_node)
        elif on_loading and tree_node.children:
            self.move_cursor(tree_node.children[min(message.start,
                                                    len(tree_node.children) - 1)])

    def _attached(self, tree_node: TreeNode[RetainerRow]) -> bool:
        """``tree_node`` is still in the tree (not cleared away or removed)."""
        node = tree_node
        while node.parent is not None:
            if not any(child is node for child in node.parent.children):
                return False
            node = node.parent
        return node is self.root

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[RetainerRow]) -> None:
        event.stop()
        if not event.node.children:
            self._load(event.node)

    def on_tree_node_selected(self, event: Tree.NodeSelected[RetainerRow]) -> None:
        data = event.node.data
        parent = event.node.parent
        if data is not None and data.loading:
            event.stop()
        elif data is not None and data.more_from >= 0 and parent is not None:
            event.stop()
            event.node.remove()
            self._load(parent, data.more_from)

    def expand_path(self, start: TreeNode[RetainerRow] | None = None) -> list[int]:
        """Open the first (nearest) retainer level by level from ``start`` (the cursor by
        default) until a root: DevTools' shortest path. Returns the objects on the way."""
        node = start if start is not None else (self.cursor_node or self.root)
        path: list[int] = []
        self._expand_when_listed = None
        for _ in range(AUTO_EXPAND_DEPTH):
            if not node.children:
                self._load(node)
            node.expand()
            first = node.children[0] if node.children else None
            if first is not None and first.data is not None and first.data.loading:
                self._expand_when_listed = node  # goes on when the worker is done
                break
            if first is None or first.data is None or not first.data.is_object:
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

    @property
    def listing(self) -> bool:
        """A worker is listing retainers (a "listing" row is shown somewhere in the tree)."""
        return any(n.data is not None and n.data.loading for n in self._tree_nodes.values())

    def current_node(self) -> int | None:
        """The object on the highlighted row (None on an "N more" row)."""
        cursor = self.cursor_node
        if cursor is None or cursor.data is None or not cursor.data.is_object:
            return None
        return cursor.data.node

    def path_nodes(self) -> list[int]:
        """Objects along the opened first-retainer chain, the nearest to the root last."""
        out = []
        node = self.root
        while node.children and node.is_expanded:
            first = node.children[0]
            if first.data is None or not first.data.is_object:
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
