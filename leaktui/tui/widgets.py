"""The panes: class summary, instances, retainers, object details, statistics, growth and
suspects. Each asks the core for what it shows and caps how much it builds at once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable, Static, Tree
from textual.widgets.tree import TreeNode

from leaktui.snapshot import ClassRow, HeapSnapshot
from leaktui.snapshot.diff import DiffRow
from leaktui.suspects import Suspect
from leaktui.tui import model

PAGE = 200
TREE_WIDTH = 50
AUTO_EXPAND_DEPTH = 20
SORTS = ("retained", "shallow", "count", "distance", "name")


class ClassSummaryTable(DataTable):  # type: ignore[type-arg]
    """One row per class: name, count, shallow and retained size, % of total, distance."""

    BORDER_TITLE = "Classes"

    class ClassChosen(Message):
        def __init__(self, class_id: int) -> None:
            super().__init__()
            self.class_id = class_id

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.snap: HeapSnapshot | None = None
        self.filter_text = ""
        self.sort_key = "retained"
        self.rows_shown: list[ClassRow] = []

    def on_mount(self) -> None:
        for label, key, width in (("Class", "name", 24), ("Count", "count", 7),
                                  ("Shallow", "shallow", 8), ("Retained", "retained", 8),
                                  ("%", "pct", 5), ("Dist", "distance", 4)):
            self.add_column(label, key=key, width=width)

    def show(self, snap: HeapSnapshot) -> None:
        self.snap = snap
        self.refresh_rows()

    def refresh_rows(self, keep_class: int | None = None) -> None:
        if self.snap is None:
            return
        rows = self.snap.summary()
        if self.filter_text:
            needle = self.filter_text.lower()
            rows = [r for r in rows if needle in r.name.lower()]
        key = {"retained": lambda r: (-r.retained_size, r.name),
               "shallow": lambda r: (-r.self_size, r.name),
               "count": lambda r: (-r.count, r.name),
               "distance": lambda r: (r.distance if r.has_distance else 1 << 40, r.name),
               "name": lambda r: (r.name.lower(), r.key)}[self.sort_key]
        self.rows_shown = sorted(rows, key=key)[:20_000]  # type: ignore[arg-type]
        total = max(self.snap.total_size, 1)
        self.clear()
        for r in self.rows_shown:
            self.add_row(Text(r.name[:80], overflow="ellipsis", no_wrap=True), f"{r.count:,}",
                         model.size(r.self_size),
                         model.size(r.retained_size), f"{100 * r.retained_size / total:.1f}",
                         model.distance(r.distance), key=str(r.class_id))
        title = f"Classes ({len(self.rows_shown):,}) sort: {self.sort_key}"
        if self.filter_text:
            title += f" filter: {self.filter_text!r}"
        self.border_title = title
        if keep_class is not None:
            for i, r in enumerate(self.rows_shown):
                if r.class_id == keep_class:
                    self.move_cursor(row=i)
                    break

    def current_class(self) -> int | None:
        if not self.rows_shown or self.cursor_row < 0 or self.cursor_row >= len(self.rows_shown):
            return None
        return self.rows_shown[self.cursor_row].class_id

    def cycle_sort(self) -> None:
        keep = self.current_class()
        self.sort_key = SORTS[(SORTS.index(self.sort_key) + 1) % len(SORTS)]
        self.refresh_rows(keep)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.ClassChosen(int(event.row_key.value)))


class InstanceTable(DataTable):  # type: ignore[type-arg]
    """Objects of one class (or any list of objects), largest retained first, paged."""

    BORDER_TITLE = "Instances"

    class ObjectChosen(Message):
        def __init__(self, node: int) -> None:
            super().__init__()
            self.node = node

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.snap: HeapSnapshot | None = None
        self.members = np.zeros(0, dtype=np.int64)
        self.nodes = np.zeros(0, dtype=np.int64)  # the sorted prefix shown so far
        self.shown = 0

    def on_mount(self) -> None:
        for label, width in (("Object", 22), ("Shallow", 8), ("Retained", 8), ("Dist", 4)):
            self.add_column(label, key=label.lower(), width=width)

    def show(self, snap: HeapSnapshot, members: np.ndarray, title: str,
             first_page: np.ndarray | None = None) -> None:
        """``members`` in any order: only the rows shown are ever sorted (largest retained
        first), so a class with millions of objects opens at once."""
        self.snap = snap
        self.members = members
        self.nodes = first_page if first_page is not None else snap.largest(members, PAGE)
        self.shown = 0
        self.clear()
        self.border_title = f"{title} ({len(members):,})"
        self._add_page()

    def _add_page(self) -> None:
        assert self.snap is not None
        snap = self.snap
        if self.shown and self.row_count:
            self.remove_row("more")
        if len(self.nodes) < min(self.shown + PAGE, len(self.members)):
            self.nodes = snap.largest(self.members, self.shown + PAGE)
        page = self.nodes[self.shown:self.shown + PAGE]
        for o in page.tolist():
            self.add_row(Text(model.object_label(snap, o)[:80]), model.size(int(snap.self_size[o])),
                         model.size(int(snap.retained_size[o])),
                         model.distance(int(snap.distance[o])), key=str(o))
        self.shown += len(page)
        rest = len(self.members) - self.shown
        if rest > 0:
            self.add_row(Text(f"… {rest:,} more (enter)", style="italic"), "", "", "", key="more")

    def current_node(self) -> int | None:
        if self.cursor_row < 0 or self.cursor_row >= min(self.shown, self.row_count):
            return None
        return int(self.nodes[self.cursor_row])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value == "more":
            row = self.cursor_row
            self._add_page()
            self.move_cursor(row=row)
        elif event.row_key.value is not None:
            self.post_message(self.ObjectChosen(int(event.row_key.value)))


@dataclass(frozen=True)
class RetainerData:
    node: int
    edge: int  # the edge from this retainer to its parent row (-1 for the root row)
    ancestors: frozenset[int]
    more_of: int = -1  # for an "N more" row: the node whose retainers continue


class RetainerTree(Tree[RetainerData]):
    """Who holds the current object, DevTools' order, loaded as rows are expanded."""

    BORDER_TITLE = "Retainers"

    def __init__(self, **kwargs: object) -> None:
        super().__init__("(no object)", **kwargs)  # type: ignore[arg-type]
        self.snap: HeapSnapshot | None = None
        self.show_root = True

    def show(self, snap: HeapSnapshot, node: int) -> None:
        self.snap = snap
        self.clear()
        self.root.set_label(self._label(node, -1))
        self.root.data = RetainerData(node, -1, frozenset([node]))
        self.root.allow_expand = True
        self._load(self.root)
        self.root.expand()
        self.expand_to_root()

    def _label(self, node: int, edge: int, cycle: bool = False) -> Text:
        snap = self.snap
        assert snap is not None
        text = Text()
        if edge >= 0:
            text.append(snap.edge_label(edge), style="bold")
            text.append(" in ")
        text.append(model.object_label(snap, node))
        text.append(f"  d{model.distance(int(snap.distance[node]))}"
                    f" {model.size(int(snap.self_size[node]))}"
                    f"/{model.size(int(snap.retained_size[node]))}", style="dim")
        if cycle:
            text.append("  ↻ cycle", style="italic")
        return text

    def _load(self, tree_node: TreeNode[RetainerData], start: int = 0) -> None:
        data = tree_node.data
        snap = self.snap
        if data is None or snap is None:
            return
        retainers = snap.retainers(data.node)
        for edge, src in retainers[start:start + TREE_WIDTH]:
            cycle = src in data.ancestors
            child = tree_node.add(self._label(src, edge, cycle),
                                  RetainerData(src, edge, data.ancestors | {src}),
                                  allow_expand=not cycle and bool(snap.retainer_slots(src)))
            child.data = RetainerData(src, edge, data.ancestors | {src})
        rest = len(retainers) - start - TREE_WIDTH
        if rest > 0:
            tree_node.add_leaf(Text(f"… {rest:,} more retainers (enter)", style="italic"),
                               RetainerData(data.node, -1, data.ancestors,
                                            more_of=start + TREE_WIDTH))
        if not retainers:
            tree_node.allow_expand = False

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[RetainerData]) -> None:
        event.stop()
        if not event.node.children:
            self._load(event.node)

    def on_tree_node_selected(self, event: Tree.NodeSelected[RetainerData]) -> None:
        data = event.node.data
        if data is not None and data.more_of >= 0 and event.node.parent is not None:
            event.stop()
            parent = event.node.parent
            event.node.remove()
            self._load(parent, data.more_of)

    def expand_to_root(self) -> None:
        """Expand the first (nearest) retainer level by level, as DevTools does, until a
        user root is reached: the shortest path to a GC root."""
        node = self.root
        for _ in range(AUTO_EXPAND_DEPTH):
            if not node.children:
                self._load(node)
            if not node.children:
                break
            first = node.children[0]
            data = first.data
            if data is None or data.more_of >= 0 or self.snap is None:
                break
            node.expand()
            d = int(self.snap.distance[data.node])
            if not (1 < d < 100_000_000) or not first.allow_expand:
                break
            node = first
        node.expand()
        self.move_cursor(node)

    def current_node(self) -> int | None:
        cursor = self.cursor_node
        if cursor is None or cursor.data is None or cursor.data.more_of >= 0:
            return None
        return cursor.data.node

    def path_nodes(self) -> list[int]:
        """Objects along the expanded first-retainer chain (nearest the root last)."""
        out = []
        node = self.root
        while node.children and node.is_expanded:
            first = node.children[0]
            if first.data is None or first.data.more_of >= 0:
                break
            out.append(first.data.node)
            node = first
        return out


class ObjectPane(Static):
    """The current object: what it points to, who dominates it, captured variables and the
    source lines of closures, the text of strings."""

    BORDER_TITLE = "Object"

    def show(self, snap: HeapSnapshot, node: int) -> None:
        self.update(object_details(snap, node))
        self.border_title = f"Object {model.object_label(snap, node)}"


def object_details(snap: HeapSnapshot, node: int, max_edges: int = 60) -> Text:
    t = Text()
    t.append(model.object_label(snap, node), style="bold")
    t.append(f"  ({snap.type_name(node)})\n")
    t.append(f"shallow {model.size(int(snap.self_size[node]))} "
             f"(raw {model.size(int(snap.raw_self_size[node]))}), "
             f"retained {model.size(int(snap.retained_size[node]))}, "
             f"distance {model.distance(int(snap.distance[node]))}\n")
    text = model.string_text(snap, node)
    if text is not None:
        t.append("text: ", style="bold")
        t.append(repr(text[:500]) + "\n")
    if int(snap.node_type[node]) == snap.T_CLOSURE:
        _closure_details(snap, node, t)
    else:
        loc = snap.location(node)
        script = model.script_of(snap, node) if loc else None
        if loc is not None:
            t.append(f"constructor at {script or f'script {loc.script_id}'}:{loc.line + 1}:"
                     f"{loc.column + 1}\n")
    t.append("\nedges\n", style="bold underline")
    edges = list(snap.edges(node))
    for e in edges[:max_edges]:
        target = int(snap.edge_to[e])
        t.append(f"  {snap.edge_label(e)[:40]}", style="bold")
        t.append(f" → {model.object_label(snap, target)[:40]} "
                 f"({model.size(int(snap.retained_size[target]))})\n")
    if len(edges) > max_edges:
        t.append(f"  … {len(edges) - max_edges:,} more edges\n", style="italic")
    from leaktui.profiles.traces import AllocationTraces

    if AllocationTraces.available(snap):
        traces = snap.__dict__.get("_tui_traces")
        if traces is None:
            traces = snap.__dict__["_tui_traces"] = AllocationTraces(snap)
        frames = traces.stack(node)
        if frames:
            t.append("\nallocated at\n", style="bold underline")
            for f in frames[:12]:
                t.append(f"  {f.label}\n")
    t.append("\ndominators\n", style="bold underline")
    for d in snap.dominator_chain(node)[1:12]:
        t.append(f"  {model.object_label(snap, d)}  {model.size(int(snap.retained_size[d]))}\n")
    t.append("\npath from a root\n", style="bold underline")
    t.append("  " + model.path_to_root_text(snap, node) + "\n")
    return t


def _closure_details(snap: HeapSnapshot, node: int, t: Text) -> None:
    loc = snap.location(node)
    script = model.script_of(snap, node)
    if loc is not None:
        t.append(f"defined at {script or f'script {loc.script_id}'}:{loc.line + 1}:"
                 f"{loc.column + 1}\n")
    context = model.edge_target(snap, node, "context")
    if context >= 0:
        t.append("\ncaptured variables\n", style="bold underline")
        for e in snap.edges(context):
            if int(snap.edge_type[e]) == snap.E_CONTEXT:
                target = int(snap.edge_to[e])
                t.append(f"  {snap.edge_name_text(e)[:30]}", style="bold")
                t.append(f" → {model.object_label(snap, target)[:40]} "
                         f"({model.size(int(snap.retained_size[target]))})\n")
    if loc is not None and script:
        excerpt = model.read_source(script, loc.line + 1)
        if excerpt is not None:
            t.append(f"\n{excerpt.path}\n", style="bold underline")
            for i, line in enumerate(excerpt.lines):
                number = excerpt.first_line + i
                marker = ">" if number == excerpt.focus else " "
                t.append(f"{marker}{number:5} | {line[:120]}\n",
                         style="bold" if number == excerpt.focus else "")


class StatisticsPane(Static):
    BORDER_TITLE = "Statistics"

    def show(self, snap: HeapSnapshot) -> None:
        stats = snap.statistics
        total = max(stats.total, 1)
        t = Text()
        t.append(f"total {model.size(stats.total)}\n\n", style="bold")
        for label, value in (("Code", stats.code), ("Strings", stats.strings),
                             ("JS arrays", stats.js_arrays), ("Typed arrays", stats.typed_arrays),
                             ("System objects", stats.system), ("Other JS objects", stats.other_js),
                             ("Other native", stats.other_native)):
            width = int(40 * value / total)
            t.append(f"{label:17} {'█' * width}{'·' * (40 - width)} "
                     f"{model.size(value):>9} {100 * value / total:5.1f}%\n")
        self.update(t)


class GrowthTable(DataTable):  # type: ignore[type-arg]
    """DevTools' Comparison, largest size growth first, with signs and arrows."""

    BORDER_TITLE = "Comparison"

    class ClassChosen(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.diff_rows: list[DiffRow] = []
        self.show_noise = False

    def on_mount(self) -> None:
        for label, width in (("Class", 30), ("# New", 8), ("# Deleted", 9), ("# Delta", 10),
                             ("Alloc", 9), ("Freed", 9), ("Size Δ", 12)):
            self.add_column(label, key=label, width=width)

    def show(self, rows: list[DiffRow], title: str) -> None:
        self.diff_rows = [r for r in rows if self.show_noise or not r.noise]
        self.clear()
        for r in self.diff_rows[:5000]:
            self.add_row(Text(r.name[:70]), f"{r.new:,}", f"{r.deleted:,}", model.signed(r.delta),
                         model.size(r.alloc_size), model.size(r.freed_size),
                         model.signed_size(r.size_delta), key=r.key)
        hidden = len(rows) - len(self.diff_rows)
        self.border_title = title + (f" ({hidden} noise rows hidden: h)" if hidden else "")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.ClassChosen(str(event.row_key.value)))


class SuspectsTable(DataTable):  # type: ignore[type-arg]
    BORDER_TITLE = "Leak suspects"

    class SuspectChosen(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        for label in ("Severity", "Pattern", "Suspect"):
            self.add_column(label, key=label)

    def show(self, suspects: list[Suspect]) -> None:
        self.clear()
        for i, s in enumerate(suspects):
            sev = {"high": "!!! HIGH", "medium": "!!  MED", "low": "!   low"}[s.severity]
            self.add_row(Text(sev, style="bold" if s.severity == "high" else ""), s.pattern,
                         Text(s.title[:160]), key=str(i))
        self.border_title = f"Leak suspects ({len(suspects)})"

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.SuspectChosen(int(event.row_key.value)))


def suspect_details(s: Suspect) -> Text:
    t = Text()
    t.append(f"[{s.severity.upper()}] {s.pattern}\n", style="bold")
    t.append(s.title + "\n\n")
    t.append(f"holder: {s.holder_class} @{s.holder_id} via {'.'.join(s.holder_path) or '-'}\n")
    counts = " -> ".join(f"{c:,}" for c in s.item_counts)
    t.append(f"items: {s.item_count:,} {s.item_class} (per snapshot {counts})\n")
    for r in s.retains[:5]:
        t.append(f"  keeps {r['count']:,} {r['class']} "
                 f"({model.size(float(r['retained_size']))})\n")  # type: ignore[arg-type]
    for ev in s.evidence:
        t.append(f"• {ev}\n")
    t.append("\nfix: ", style="bold")
    t.append(s.advice + "\n")
    return t


class FindingsTable(DataTable):  # type: ignore[type-arg]
    """Pinned findings of the snapshot; enter jumps to one."""

    BORDER_TITLE = "Findings"

    class PinChosen(Message):
        def __init__(self, node_id: int) -> None:
            super().__init__()
            self.node_id = node_id

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        for label, width in (("Object", 26), ("Retained", 9), ("Note", 50)):
            self.add_column(label, key=label, width=width)

    def show(self, pins: list) -> None:  # type: ignore[type-arg]
        self.clear()
        for p in pins:
            self.add_row(f"{p.class_name} @{p.node_id}", model.size(p.retained_size),
                         Text(p.note or "-"), key=str(p.node_id))
        self.border_title = f"Findings ({len(pins)})"

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.PinChosen(int(event.row_key.value)))


def allocation_sites_text(snap: HeapSnapshot, class_id: int) -> Text:
    """A class's live objects grouped by the function that allocated them."""
    from leaktui.profiles.traces import AllocationTraces

    traces = snap.__dict__.get("_tui_traces")
    if traces is None:
        traces = snap.__dict__["_tui_traces"] = AllocationTraces(snap)
    t = Text()
    t.append(f"{snap.class_names[class_id]}: objects by allocation site\n\n", style="bold")
    for site in traces.sites_for_nodes(snap.class_members(class_id), top=20):
        t.append(f"  {site.count:>9,}  {model.size(site.size):>9}  ", style="bold")
        t.append(site.frame.label + "\n")
        excerpt = model.read_source(site.frame.script, site.frame.line, context=1)
        if excerpt is not None:
            for i, line in enumerate(excerpt.lines):
                t.append(f"        {excerpt.first_line + i:5} | {line[:100]}\n", style="dim")
    return t
