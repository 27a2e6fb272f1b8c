"""Search the heap from the TUI: the prompts, the message a search worker posts, and the title
of a result list. The search itself (`leaktui.snapshot.search`) runs in a thread worker of the
app; the results are listed in the instances pane, where `enter` opens an object with its
retainers."""

from __future__ import annotations

import numpy as np
from textual.message import Message

from leaktui.snapshot.search import SearchResult

SEARCH_HINT = "text, or re:REGEX (class, name, string value or property name)"


SEARCH_QUESTION = "Search the whole heap (enter searches, esc cancels):"


def instance_filter_question(title: str) -> str:
    return f"Filter the instances of {title[:60]} (enter filters, esc cancels):"


class HeapSearched(Message):
    """Posted by the search worker: the objects found (``nodes``, largest retained first), and
    the title of their list."""

    def __init__(self, snapshot: int, nodes: np.ndarray, title: str, summary: str) -> None:
        super().__init__()
        self.snapshot, self.nodes, self.title, self.summary = snapshot, nodes, title, summary


class HeapSearchFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


def counts_text(result: SearchResult, total: int | None = None) -> str:
    """`3 objects: 1 value, 2 property` (the ways they matched; one may match several)."""
    n = result.total if total is None else total
    parts = [f"{count:,} {kind}" for kind, count in result.counts.items() if count]
    return f"{n:,} object{'s' if n != 1 else ''}" + (f": {', '.join(parts)}" if parts else "")


def shown_query(text: str, width: int = 40) -> str:
    """The query as typed, on one line and cut (it is shown as plain text, never markup)."""
    flat = text.replace("\n", "\\n").replace("\t", "\\t")
    return flat if len(flat) <= width else flat[:width - 1] + "…"


def search_nodes(result: SearchResult, within: np.ndarray | None) -> np.ndarray:
    """The objects found, or only those among ``within`` (the instances pane's list)."""
    if within is None:
        return result.nodes
    return result.nodes[np.isin(result.nodes, within)]


def searched(index: int, result: SearchResult, text: str, within: np.ndarray | None,
             title: str) -> HeapSearched:
    """The message for a search's result: the whole heap's matches, or (``within``) those
    among the instances pane's list titled ``title``."""
    nodes = search_nodes(result, within)
    query = shown_query(text)
    if within is not None:
        return HeapSearched(index, nodes, f"{title} / {query}",
                            f"{len(nodes):,} of {len(within):,} instances match {query}")
    return HeapSearched(index, nodes, f"found {query}",
                        f"Found {query}: {counts_text(result)}")
