"""`leaktui FILE.heapprofile`: allocation sites bottom-up, the call tree top-down (loaded as it
is expanded), and the source lines of a site when its script is readable on this host."""

from __future__ import annotations

import os

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Static, Tree
from textual.widgets.tree import TreeNode

from leaktui.profiles.heapprofile import HeapProfile, Site
from leaktui.tui import formatting
from leaktui.tui.widgets._columns import row_key
from leaktui.units import format_size

TREE_WIDTH = 50


class SitesTable(DataTable):  # type: ignore[type-arg]
    BORDER_TITLE = "Allocation sites (bottom-up)"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.sites: list[Site] = []

    def on_mount(self) -> None:
        # Sizes first: the names and places may be cut on a narrow screen, not the numbers.
        for label, width in (("Self", 9), ("Total", 9), ("Share", 6), ("Function", 26),
                             ("Script:line", 30)):
            self.add_column(label, key=label, width=width)

    def show(self, profile: HeapProfile) -> None:
        self.sites = profile.sites()
        total = max(profile.total, 1)
        self.clear()
        for i, s in enumerate(self.sites[:2000]):
            # Text, not str: names and scripts such as [eval] are not Rich markup.
            where = s.frame.short_label.removeprefix(s.function or "(anonymous)").strip()
            self.add_row(format_size(s.self_size), format_size(s.total_size),
                         f"{100 * s.share(total):.1f}%", Text(s.function or "(anonymous)"),
                         Text(where), key=str(i))


class CallTree(Tree[int]):
    BORDER_TITLE = "Call tree (top-down)"

    def __init__(self, **kwargs: object) -> None:
        super().__init__("(root)", **kwargs)  # type: ignore[arg-type]
        self.profile: HeapProfile | None = None

    def show(self, profile: HeapProfile) -> None:
        self.profile = profile
        self.root.data = 0
        self.root.set_label(f"(root) {format_size(profile.total)}")
        self._load(self.root)
        self.root.expand()

    def _load(self, node: TreeNode[int]) -> None:
        p = self.profile
        if p is None or node.data is None:
            return
        kids = p.children(node.data)
        for k in kids[:TREE_WIDTH].tolist():
            total, own = format_size(int(p.total_size[k])), format_size(int(p.self_size[k]))
            label = Text(f"{p.node_frame(k).short_label}  {total} (self {own})")
            node.add(label, k, allow_expand=bool(p.children(k).size))
        if kids.size > TREE_WIDTH:
            node.add_leaf(f"… {kids.size - TREE_WIDTH:,} more")

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[int]) -> None:
        event.stop()
        if not event.node.children:
            self._load(event.node)


class ProfileApp(App[None]):
    CSS = """
    #top { height: 1fr; }
    SitesTable { width: 3fr; border: round $primary; }
    #source-box { width: 2fr; border: round $primary; }
    CallTree { height: 1fr; border: round $primary; }
    """
    BINDINGS = [Binding("q", "quit", "quit")]

    def __init__(self, profile: HeapProfile) -> None:
        super().__init__()
        self.profile = profile
        self.title = f"leaktui {os.path.basename(profile.path)}"

    def compose(self) -> ComposeResult:
        yield Static(f"{self.profile.path}  total {format_size(self.profile.total)}  "
                     f"{self.profile.node_count:,} call-tree nodes", id="header")
        with Horizontal(id="top"):
            yield SitesTable(id="sites")
            with VerticalScroll(id="source-box"):
                yield Static("", id="source")
        yield CallTree(id="calls")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(SitesTable).show(self.profile)
        self.query_one(CallTree).show(self.profile)
        self.query_one(SitesTable).focus()

    @on(SitesTable.RowHighlighted)
    def _site(self, event: SitesTable.RowHighlighted) -> None:
        key = row_key(event)
        if key is None:
            return
        site = self.query_one(SitesTable).sites[int(key)]
        text = Text()
        text.append(f"{site.label}\n", style="bold")
        excerpt = formatting.source_excerpt(site.script, site.line) if site.script else None
        if excerpt is None:
            text.append("(source not readable on this host)\n")
        else:
            for i, line in enumerate(excerpt.lines):
                number = excerpt.first_line + i
                text.append(f"{'>' if number == excerpt.focus else ' '}{number:5} | {line}\n",
                            style="bold" if number == excerpt.focus else "")
        self.query_one("#source", Static).update(text)
